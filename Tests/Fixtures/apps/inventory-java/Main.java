// Inventory service: a generated Java API on the JDK's built-in HTTP server.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

public class Main {
    record Item(String id, String name, int quantity) {
        String toJson() {
            return "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"quantity\":" + quantity + "}";
        }
    }

    static final Map<String, Item> ITEMS = new ConcurrentHashMap<>();

    static class InventoryService {
        Item find(String id) {
            return ITEMS.get(id);
        }

        String describe(String id) {
            Item item = find(id);
            return item.toJson();
        }

        Item create(String body) {
            String name = body.replaceAll(".*\"name\"\\s*:\\s*\"([^\"]*)\".*", "$1");
            Item item = new Item(UUID.randomUUID().toString(), name, 0);
            ITEMS.put(item.id(), item);
            return item;
        }
    }

    static class ItemsHandler implements HttpHandler {
        private final InventoryService service = new InventoryService();

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            String requestId = exchange.getRequestHeaders().getFirst("X-Request-ID");
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            int status;
            String body;
            try {
                if (path.equals("/health")) {
                    status = 200;
                    body = "{\"status\":\"up\"}";
                } else if (method.equals("GET") && path.equals("/items")) {
                    status = 200;
                    body = "[" + String.join(",", ITEMS.values().stream().map(Item::toJson).toList()) + "]";
                } else if (method.equals("GET") && path.startsWith("/items/")) {
                    status = 200;
                    body = service.describe(path.substring("/items/".length()));
                } else if (method.equals("POST") && path.equals("/items")) {
                    String payload = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    status = 200;
                    body = service.create(payload).toJson();
                } else {
                    status = 404;
                    body = "{\"error\":\"not found\"}";
                }
            } catch (RuntimeException error) {
                System.err.println("ERROR [request_id=" + requestId + "] unhandled exception in " + method + " " + path);
                error.printStackTrace();
                status = 500;
                body = "{\"error\":\"internal\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
            System.out.println("\"" + method + " " + exchange.getRequestURI() + " HTTP/1.1\" " + status);
        }
    }

    public static void main(String[] args) throws IOException {
        ITEMS.put("00000000-0000-4000-8000-000000000001", new Item("00000000-0000-4000-8000-000000000001", "bolt", 120));
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", new ItemsHandler());
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("inventory listening on " + port);
    }
}
