import Foundation
import RepairKit
import Testing

/// Traces in the shapes each runtime prints, and the shapes logs put them in.
@Suite struct TraceLanguageTests {
    func only(_ text: String, app: String? = nil) throws -> StackTrace {
        let traces = TraceScanner.traces(in: text, classifier: InAppClassifier(appDirectory: app))
        #expect(traces.count == 1, "found \(traces.count) traces")
        return try #require(traces.first)
    }

    @Test func pythonChainedExceptionsKeepTheirCause() throws {
        let trace = try only("""
        Traceback (most recent call last):
          File "/srv/app/store.py", line 12, in load
            return rows[key]
                   ~~~~^^^^^
        KeyError: 'sku-1'

        During handling of the above exception, another exception occurred:

        Traceback (most recent call last):
          File "/srv/app/api.py", line 30, in show
            item = store.load(sku)
          File "/srv/app/store.py", line 14, in load
            raise LookupError(f"no item {key}")
        LookupError: no item sku-1

        The above exception was the direct cause of the following exception:

        Traceback (most recent call last):
          File "/srv/app/api.py", line 40, in handle
            raise HTTPError(500) from error
        app.errors.HTTPError: 500
        """, app: "/srv/app")
        #expect(trace.exceptionType == "app.errors.HTTPError")
        #expect(trace.frames.first?.function == "handle")
        #expect(trace.cause?.exceptionType == "LookupError")
        #expect(trace.cause?.frames.first?.line == 14)
        #expect(trace.cause?.frames.first?.source == #"raise LookupError(f"no item {key}")"#)
        #expect(trace.rootCause.exceptionType == "KeyError")
        #expect(trace.rootCause.message == "'sku-1'")
        #expect(trace.startLine == 1 && trace.endLine == 21)
    }

    @Test func pythonExceptionGroupsListTheirExceptions() throws {
        let trace = try only("""
          + Exception Group Traceback (most recent call last):
          |   File "/srv/app/jobs.py", line 8, in run_all
          |     raise ExceptionGroup("2 jobs failed", errors)
          | ExceptionGroup: 2 jobs failed (2 sub-exceptions)
          +-+---------------- 1 ----------------
            | Traceback (most recent call last):
            |   File "/srv/app/jobs.py", line 3, in resize
            |     return 1 / 0
            | ZeroDivisionError: division by zero
            +---------------- 2 ----------------
            | ValueError: bad image
            +------------------------------------
        """)
        #expect(trace.exceptionType == "ExceptionGroup")
        #expect(trace.message == "2 jobs failed (2 sub-exceptions)")
        #expect(trace.frames.first?.function == "run_all")
        #expect(trace.subExceptions.map(\.exceptionType) == ["ZeroDivisionError", "ValueError"])
        #expect(trace.subExceptions.first?.frames.first?.line == 3)
    }

    @Test func pythonStandardLibraryAndSitePackagesAreNotInApp() throws {
        let trace = try only("""
        Traceback (most recent call last):
          File "/srv/app/routes.py", line 9, in create
            payload = json.loads(body)
          File "/usr/lib/python3.11/json/__init__.py", line 346, in loads
            return _default_decoder.decode(s)
          File "/srv/app/.venv/lib/python3.11/site-packages/orjson/x.py", line 2, in decode
            raise JSONDecodeError("Expecting value", s, 0)
        json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)
        """, app: "/srv/app")
        #expect(trace.frames.map(\.inApp) == [false, false, true])
        #expect(trace.topInAppFrame?.function == "create")
    }

    @Test func nodeTraceWithNodeModulesAndInternals() throws {
        let trace = try only("""
        TypeError: Cannot read properties of undefined (reading 'price')
            at totalOf (/srv/shop/src/cart.js:14:22)
            at Array.map (<anonymous>)
            at Layer.handle [as handle_request] (/srv/shop/node_modules/express/lib/router/layer.js:95:5)
            at process.processTicksAndRejections (node:internal/process/task_queues:95:5)
            at async checkout (/srv/shop/src/routes.js:31:18)
        """, app: "/srv/shop")
        #expect(trace.language == .javascript)
        #expect(trace.frames.count == 5)
        #expect(trace.frames[0].column == 22)
        #expect(trace.frames.map(\.inApp) == [true, false, false, false, true])
        #expect(trace.frames[2].function == "Layer.handle [as handle_request]")
        #expect(trace.frames[4].function == "async checkout")
    }

    @Test func javaCausedByMoreAndNestedException() throws {
        let trace = try only("""
        org.springframework.web.util.NestedServletException: Request processing failed; nested exception is java.lang.IllegalStateException: no price
        \tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)
        \tat javax.servlet.http.HttpServlet.service(HttpServlet.java:681)
        Caused by: java.lang.IllegalStateException: no price
        \tat com.acme.shop.PriceService.priceOf(PriceService.java:42)
        \tat com.acme.shop.CartController.total(CartController.kt:17)
        \t... 48 more
        Caused by: java.lang.NullPointerException: Cannot invoke "java.math.BigDecimal.add(java.math.BigDecimal)" because "base" is null
        \tat com.acme.shop.Money.plus(Money.java:9)
        \t... 50 common frames omitted
        """)
        #expect(trace.language == .java)
        #expect(trace.exceptionType == "org.springframework.web.util.NestedServletException")
        #expect(trace.frames.allSatisfy { !$0.inApp })
        #expect(trace.cause?.exceptionType == "java.lang.IllegalStateException")
        #expect(trace.cause?.frames.map(\.file) == ["PriceService.java", "CartController.kt"])
        #expect(trace.rootCause.exceptionType == "java.lang.NullPointerException")
        #expect(trace.rootCause.topInAppFrame?.function == "com.acme.shop.Money.plus")
        #expect(trace.endLine == 10)
    }

    @Test func javaNestedExceptionWithoutCausedByBecomesTheCause() throws {
        let trace = try only("""
        Exception in thread "main" org.springframework.beans.factory.BeanCreationException: failed; nested exception is java.lang.ClassNotFoundException: com.acme.Missing
        \tat org.springframework.beans.factory.support.AbstractBeanFactory.getBean(AbstractBeanFactory.java:208)
        \tat com.acme.App.main(App.java:12)
        """)
        #expect(trace.exceptionType == "org.springframework.beans.factory.BeanCreationException")
        #expect(trace.cause?.exceptionType == "java.lang.ClassNotFoundException")
        #expect(trace.cause?.message == "com.acme.Missing")
        #expect(trace.topInAppFrame?.function == "com.acme.App.main")
    }

    @Test func goPanicServingHTTP() throws {
        let trace = try only("""
        2024/05/01 10:12:03 http: panic serving 127.0.0.1:53422: runtime error: index out of range [3] with length 3
        goroutine 18 [running]:
        net/http.(*conn).serve.func1()
        \t/usr/local/go/src/net/http/server.go:1868 +0xb9
        panic({0x6c0f00?, 0xc0000b2018?})
        \t/usr/local/go/src/runtime/panic.go:920 +0x270
        example.com/shop/handlers.(*Orders).Show(0xc00009e0a0, {0x7a4f50, 0xc0000f6000}, 0xc0000f4000)
        \t/srv/shop/handlers/orders.go:41 +0x1d2
        net/http.HandlerFunc.ServeHTTP(0xc0000a6060?, {0x7a4f50?, 0xc0000f6000?}, 0x0?)
        \t/usr/local/go/src/net/http/server.go:2136 +0x29
        created by net/http.(*Server).Serve in goroutine 1
        \t/usr/local/go/src/net/http/server.go:3086 +0x5cb
        """, app: "/srv/shop")
        #expect(trace.language == .go)
        #expect(trace.exceptionType == "runtime error")
        #expect(trace.message == "index out of range [3] with length 3")
        #expect(trace.frames.count == 5)
        #expect(trace.topInAppFrame?.function == "example.com/shop/handlers.(*Orders).Show")
        #expect(trace.topInAppFrame?.file == "/srv/shop/handlers/orders.go")
        #expect(trace.topInAppFrame?.line == 41)
    }

    @Test func goPanicWithGoroutineDumpTakesTheFirstGoroutine() throws {
        let trace = try only("""
        panic: assignment to entry in nil map

        goroutine 1 [running]:
        main.register(...)
        \t/srv/tool/main.go:12
        main.main()
        \t/srv/tool/main.go:7 +0x2b

        goroutine 6 [chan receive]:
        main.worker(0xc000012345)
        \t/srv/tool/worker.go:30 +0x45
        exit status 2
        """)
        #expect(trace.exceptionType == "panic")
        #expect(trace.message == "assignment to entry in nil map")
        #expect(trace.frames.map(\.function) == ["main.register", "main.main"])
        #expect(trace.endLine == 12)
    }

    @Test func rubyBacktraceAndRailsLog() throws {
        let ruby = try only("""
        /srv/app/models/user.rb:10:in `full_name': undefined method `upcase' for nil:NilClass (NoMethodError)
        \tfrom /srv/app/controllers/users_controller.rb:5:in `show'
        \tfrom /usr/lib/ruby/gems/3.2.0/gems/actionpack-7.1.0/lib/abstract_controller/base.rb:224:in `process_action'
        """, app: "/srv/app")
        #expect(ruby.language == .ruby)
        #expect(ruby.exceptionType == "NoMethodError")
        #expect(ruby.message == "undefined method `upcase' for nil:NilClass")
        #expect(ruby.frames.map(\.function) == ["full_name", "show", "process_action"])
        #expect(ruby.frames.map(\.inApp) == [true, true, false])

        let rails = try only("""
        Started GET "/users/7" for 127.0.0.1 at 2024-05-01 10:00:00 +0000
        NoMethodError (undefined method 'name' for nil):

        app/controllers/users_controller.rb:12:in 'UsersController#show'
        actionpack (7.1.3) lib/action_controller/metal/basic_implicit_render.rb:6:in 'send_action'
        """)
        #expect(rails.exceptionType == "NoMethodError")
        #expect(rails.message == "undefined method 'name' for nil")
        #expect(rails.topInAppFrame?.function == "UsersController#show")
        #expect(rails.frames[1].inApp == false)
    }

    @Test func dotnetInnerExceptions() throws {
        let trace = try only("""
        fail: Microsoft.AspNetCore.Server.Kestrel[13]
              Connection id "0HN1", Request id "0HN1:00000002": An unhandled exception was thrown by the application.
              System.InvalidOperationException: Order failed
               ---> System.NullReferenceException: Object reference not set to an instance of an object.
                 at Shop.Services.PriceService.Total(Order order) in /src/Shop/Services/PriceService.cs:line 21
                 at Shop.Controllers.OrdersController.Create(OrderDto dto) in /src/Shop/Controllers/OrdersController.cs:line 33
                 --- End of inner exception stack trace ---
                 at Shop.Controllers.OrdersController.Create(OrderDto dto) in /src/Shop/Controllers/OrdersController.cs:line 37
                 at lambda_method5(Closure, Object, Object[])
                 at Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.Execute(IActionResultTypeMapper mapper, ObjectMethodExecutor executor, Object controller, Object[] arguments)
        """)
        #expect(trace.language == .dotnet)
        #expect(trace.exceptionType == "System.InvalidOperationException")
        #expect(trace.frames.map(\.line) == [37, nil, nil])
        #expect(trace.frames.map(\.inApp) == [true, false, false])
        let inner = try #require(trace.cause)
        #expect(inner.exceptionType == "System.NullReferenceException")
        #expect(inner.topInAppFrame?.function == "Shop.Services.PriceService.Total")
        #expect(inner.topInAppFrame?.file == "/src/Shop/Services/PriceService.cs")
    }

    @Test func phpUncaughtAndLaravel() throws {
        let php = try only("""
        PHP Fatal error:  Uncaught TypeError: total(): Argument #1 ($items) must be of type array, null given, called in /var/www/app/cart.php on line 8 and defined in /var/www/app/lib.php:3
        Stack trace:
        #0 /var/www/app/cart.php(8): total(NULL)
        #1 /var/www/app/index.php(12): checkout()
        #2 {main}
          thrown in /var/www/app/lib.php on line 3
        """)
        #expect(php.language == .php)
        #expect(php.exceptionType == "TypeError")
        #expect(php.frames.map(\.file) == ["/var/www/app/lib.php", "/var/www/app/cart.php", "/var/www/app/index.php"])
        #expect(php.frames.map(\.function) == ["total", "checkout", "{main}"])
        #expect(php.frames[0].line == 3)

        let laravel = try only("""
        [2024-05-01 10:00:00] local.ERROR: Call to a member function name() on null {"exception":"[object] (Error(code: 0): Call to a member function name() on null at /var/www/app/Http/Controllers/UserController.php:25)
        [stacktrace]
        #0 /var/www/vendor/laravel/framework/src/Illuminate/Routing/Controller.php(54): App\\\\Http\\\\Controllers\\\\UserController->show('7')
        #1 {main}
        "}
        """, app: "/var/www")
        #expect(laravel.exceptionType == "Error")
        #expect(laravel.message == "Call to a member function name() on null")
        #expect(laravel.topInAppFrame?.file == "/var/www/app/Http/Controllers/UserController.php")
        #expect(laravel.topInAppFrame?.line == 25)
        #expect(laravel.frames[1].inApp == false)
    }

    @Test func swiftFatalErrorAndBacktrace() throws {
        let old = try only("""
        Fatal error: Unexpectedly found nil while unwrapping an Optional value: file App/Controllers/UserController.swift, line 42
        Current stack trace:
        0    libswiftCore.so                    0x00007f3b2c4c1f40 swift_reportError + 50
        1    libswiftCore.so                    0x00007f3b2c533da5 _swift_stdlib_reportFatalErrorInFile + 115
        2    App                                0x000055d0c0a1b2c4 $s3App14UserControllerC4showyyF + 212
        Illegal instruction (core dumped)
        """)
        #expect(old.language == .swift)
        #expect(old.exceptionType == "Fatal error")
        #expect(old.message == "Unexpectedly found nil while unwrapping an Optional value")
        #expect(old.topInAppFrame?.file == "App/Controllers/UserController.swift")
        #expect(old.topInAppFrame?.line == 42)
        #expect(old.frames.filter(\.inApp).map(\.function) == ["", "$s3App14UserControllerC4showyyF"])

        let backtracer = try only("""
        💣 Program crashed: System trap at 0x000055555555a3c4

        Thread 0 crashed:

        0 0x000055555555a3c4 UserController.show(_:) + 52 in App at /srv/app/Sources/App/UserController.swift:18:13
        1 [ra] 0x000055555555b001 closure #1 in Routes.register() + 80 in App at /srv/app/Sources/App/Routes.swift:9:5
        """, app: "/srv/app")
        #expect(backtracer.exceptionType == "Program crashed")
        #expect(backtracer.topInAppFrame?.function == "UserController.show(_:)")
        #expect(backtracer.topInAppFrame?.line == 18)
        #expect(backtracer.frames.count == 2)
    }

    // MARK: What logs do to traces

    @Test func timestampsLevelsAndAnsiAreRemoved() throws {
        let trace = try only("""
        2024-05-01T10:00:00.123Z \u{1B}[31mERROR\u{1B}[0m Traceback (most recent call last):
        2024-05-01T10:00:00.124Z   File "/srv/app/views.py", line 5, in show
        2024-05-01T10:00:00.124Z     return items[0]
        2024-05-01T10:00:00.125Z IndexError: list index out of range
        """)
        #expect(trace.exceptionType == "IndexError")
        #expect(trace.frames.first?.source == "return items[0]")
    }

    @Test func composeAndJournaldPrefixesAreRemoved() throws {
        let compose = try only("""
        web-1  | Traceback (most recent call last):
        web-1  |   File "/srv/app/views.py", line 5, in show
        web-1  |     return items[0]
        web-1  | IndexError: list index out of range
        """)
        #expect(compose.frames.first?.line == 5)
        let journal = try only("""
        May 01 10:00:00 host shop[812]: TypeError: x is not a function
        May 01 10:00:00 host shop[812]:     at run (/srv/shop/a.js:3:9)
        """)
        #expect(journal.exceptionType == "TypeError")
        #expect(journal.frames.first?.file == "/srv/shop/a.js")
    }

    @Test func anotherRequestsLinesInsideATracebackAreSkipped() throws {
        let traces = TraceScanner.traces(in: """
        ERROR:    Exception in ASGI application
        Traceback (most recent call last):
          File "/srv/app/routes.py", line 20, in create
        INFO:     127.0.0.1:40012 - "GET /health HTTP/1.1" 200 OK
            return services.create(payload)
          File "/srv/app/services.py", line 7, in create
        INFO:     127.0.0.1:40014 - "GET /items HTTP/1.1" 200 OK
            name = payload["title"]
        KeyError: 'title'
        INFO:     127.0.0.1:40012 - "POST /items HTTP/1.1" 500 Internal Server Error
        """)
        #expect(traces.count == 1)
        #expect(traces.first?.exceptionType == "KeyError")
        #expect(traces.first?.frames.map(\.line) == [7, 20])
        #expect(traces.first?.frames.first?.source == #"name = payload["title"]"#)
    }

    @Test func traceCutOffAtTheEndOfTheLogIsTruncated() throws {
        let traces = TraceScanner.traces(in: """
        Traceback (most recent call last):
          File "/srv/app/a.py", line 3, in main
            run()
          File "/srv/app/b.py", line 9, in run
        """)
        #expect(traces.count == 1)
        #expect(traces.first?.truncated == true)
        #expect(traces.first?.frames.first?.line == 9)
    }

    @Test func severalTracesInOneLogComeInOrder() throws {
        let traces = TraceScanner.traces(in: """
        INFO: started
        Traceback (most recent call last):
          File "/srv/a.py", line 1, in f
        ValueError: one
        INFO: "GET / HTTP/1.1" 500
        TypeError: two
            at g (/srv/b.js:2:3)
        panic: three

        goroutine 1 [running]:
        main.main()
        \t/srv/c.go:4 +0x1
        """)
        #expect(traces.map(\.message) == ["one", "two", "three"])
        #expect(traces.map(\.language) == [.python, .javascript, .go])
        #expect(traces.map(\.startLine) == [2, 6, 8])
    }

    @Test func ordinaryLogLinesAreNotTraces() {
        let traces = TraceScanner.traces(in: """
        INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)
        127.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET /items HTTP/1.1" 200 512
        GET /notes 200 1.2 ms - 80
        WARNING:  at capacity, queueing
        Error: the cache is cold, warming
        """)
        #expect(traces.isEmpty)
    }
}
