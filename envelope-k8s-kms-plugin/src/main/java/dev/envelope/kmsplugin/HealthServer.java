package dev.envelope.kmsplugin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The plugin's own HTTP port, on loopback only (the static pod's probes run on the node): {@code
 * /livez} (the gRPC server is serving), {@code /healthz} (the logical key can seal and open here:
 * 200 {@code ok}, else 503 with the reason) and {@code /metrics} (Prometheus text format). No
 * secret is served: names, states and counters only.
 */
final class HealthServer implements AutoCloseable {
  private final HttpServer server;

  HealthServer(
      String host,
      int port,
      BooleanSupplier live,
      Supplier<HealthMonitor.State> health,
      Supplier<String> metrics)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext(
        "/livez",
        x -> reply(x, live.getAsBoolean() ? 200 : 503, live.getAsBoolean() ? "ok" : "stopped"));
    server.createContext(
        "/healthz",
        x -> {
          HealthMonitor.State s = health.get();
          reply(x, s.canSeal() && s.canOpen() ? 200 : 503, s.healthz());
        });
    server.createContext("/metrics", x -> reply(x, 200, metrics.get()));
    server.setExecutor(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "envelope-kms-http");
              t.setDaemon(true);
              return t;
            }));
    server.start();
  }

  /** The bound port (for port 0). */
  int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = (body + (body.endsWith("\n") ? "" : "\n")).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
