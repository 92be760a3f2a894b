package dev.envelope.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP server on 127.0.0.1 and a free port, for fakes of cloud services. Handlers run on a small
 * pool so a deliberately hanging request does not block the others; {@link #close()} stops the
 * server and interrupts hanging handlers.
 */
public class LoopbackServer implements AutoCloseable {
  private final HttpServer server;
  private final boolean https;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "loopback-server");
            t.setDaemon(true);
            return t;
          });

  /** Starts serving {@code handler} for every path, over plain HTTP. */
  public LoopbackServer(HttpHandler handler) {
    this(handler, null);
  }

  /** Starts serving {@code handler} for every path, over HTTPS with {@code tls}'s certificate. */
  public LoopbackServer(HttpHandler handler, SelfSignedTls tls) {
    try {
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
      if (tls == null) {
        server = HttpServer.create(address, 0);
      } else {
        com.sun.net.httpserver.HttpsServer secure =
            com.sun.net.httpserver.HttpsServer.create(address, 0);
        secure.setHttpsConfigurator(
            new com.sun.net.httpserver.HttpsConfigurator(tls.serverContext()));
        server = secure;
      }
      https = tls != null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            handler.handle(exchange);
          }
        });
    server.setExecutor(executor);
    server.start();
  }

  /** {@code http://127.0.0.1:PORT} (or {@code https://…}). */
  public URI endpoint() {
    return URI.create((https ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The request body, at most {@code max} bytes (a fake refuses more, like the services do). */
  public static byte[] body(HttpExchange exchange, int max) throws IOException {
    byte[] body = exchange.getRequestBody().readNBytes(max + 1);
    if (body.length > max) {
      throw new IOException("request body over " + max + " bytes");
    }
    return body;
  }

  /** Decodes an {@code application/x-www-form-urlencoded} body. */
  public static java.util.Map<String, String> form(byte[] body) {
    java.util.Map<String, String> params = new java.util.LinkedHashMap<>();
    String text = new String(body, StandardCharsets.UTF_8);
    for (String pair : text.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(
          java.net.URLDecoder.decode(name, StandardCharsets.UTF_8),
          java.net.URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }

  /** Sends a response with a body. */
  public static void respond(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  /** A loopback port nothing listens on (bound and released): an unreachable service. */
  public static int unusedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Holds the request open for {@code duration} without answering: a hanging service. */
  public static void hang(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
