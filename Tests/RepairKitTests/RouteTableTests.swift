import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

/// Routes read through each framework's own routing: prefixes, mounts, blueprints.
@Suite struct RouteTableTests {
    func table(_ fixture: String) -> RouteTable {
        SourceLocator(appDirectory: FixtureApps.source(fixture)).routeTable
    }

    func paths(_ table: RouteTable) -> Set<String> {
        Set(table.routes.flatMap { route in route.methods.map { "\($0) \(route.path)" } })
    }

    @Test func fastAPIRoutersGetTheirOwnAndTheirMountPrefixes() {
        let routes = paths(table("library-fastapi"))
        // APIRouter(prefix="/authors") and include_router(books.router, prefix="/books")
        #expect(routes.contains("POST /authors"))
        #expect(routes.contains("GET /authors/{author_id}/book"))
        #expect(routes.contains("PATCH /books/{book_id}"))
        #expect(routes.contains("POST /loans/{loan_id}/return"))
        #expect(routes.contains("GET /stats"))
        #expect(routes.contains("GET /health"))
        #expect(routes.count >= 23, "\(routes.sorted())")
    }

    @Test func aMissingRouteShowsTheDeclarationsNearestInShape() throws {
        let table = table("library-fastapi")
        // 405: the same path under another method comes first.
        let put = table.nearest(to: try #require(Endpoint("PUT /members/{member_id}")))
        #expect(put.first.map { "\($0.methods) \($0.path)" } == "[\"PATCH\"] /members/{member_id}")
        // 404: the most similar path.
        let books = table.nearest(to: try #require(Endpoint("GET /authors/{author_id}/books")))
        #expect(books.first?.path == "/authors/{author_id}/book")
        #expect(books.first?.file == "app/routers/authors.py")
    }
}
