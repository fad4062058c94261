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

    @Test func flaskBlueprintsGetTheirURLPrefixes() {
        let routes = paths(table("projects-flask"))
        // Blueprint(url_prefix="/users") and register_blueprint(projects_bp, url_prefix="/projects")
        #expect(routes.contains("GET /users/{user_id}/task"))
        #expect(routes.contains("POST /projects/{project_id}"))
        #expect(routes.contains("POST /projects/{project_id}/tasks"))
        #expect(routes.contains("POST /tasks/{task_id}/complete"))
        #expect(routes.contains("GET /health"))
    }

    @Test func expressRoutersGetTheirMountPaths() {
        let table = table("events-express")
        let routes = paths(table)
        // app.use('/venues', venuesRouter) and app.use('/events', require('./routes/events'))
        #expect(routes.contains("PATCH /venues/{id}"))
        #expect(routes.contains("GET /events/{id}/registration"))
        #expect(routes.contains("DELETE /events/{id}/registrations/{registrationId}"))
        #expect(routes.contains("POST /attendees"))
        #expect(!routes.contains("GET /{id}"), "every router route has its mount path: \(routes.sorted())")
    }

    @Test func djangoIncludesJoinTheirPaths() throws {
        let table = table("clinic-django")
        let paths = Set(table.routes.map(\.path))
        #expect(paths.contains("/patients/{pk}"))
        #expect(paths.contains("/doctors/{pk}/appointment"))
        #expect(paths.contains("/appointments/{pk}/cancel"))
        let detail = try #require(table.routes.first { $0.path == "/patients/{pk}" })
        #expect(detail.handler == "views.patient_detail")
        #expect(detail.methods.isEmpty, "a Django path serves what its view allows")
    }
}
