package dev.envelope.testing.azure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.envelope.testing.LoopbackServer;
import dev.envelope.testing.SelfSignedTls;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Microsoft Entra ID's token endpoint on 127.0.0.1 over HTTPS: {@code POST
 * /{tenant}/oauth2/v2.0/token} with the client-credentials grant and a client assertion, as Azure
 * workload identity sends it. The assertion must equal the current content of the federated token
 * file trusted for that client id in that tenant; the access token it issues is valid for the one
 * resource the scope names. {@link FakeKeyVault} validates tokens here.
 */
public final class FakeEntraId implements AutoCloseable {
  /** A token this fake issued. */
  public record Token(String clientId, String resource, Instant expires) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final String tenant;
  private final LoopbackServer server;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Path> federated = new ConcurrentHashMap<>();
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();

  public FakeEntraId(SelfSignedTls tls, String tenant) {
    this.tenant = tenant;
    this.server = new LoopbackServer(this::handle, tls);
  }

  /** For {@code AZURE_AUTHORITY_HOST}. */
  public URI authorityHost() {
    return server.endpoint();
  }

  public String tenant() {
    return tenant;
  }

  /** Lets {@code clientId} sign in with the token in {@code tokenFile} (a federated credential). */
  public void trustFederatedToken(String clientId, Path tokenFile) {
    federated.put(clientId, tokenFile);
  }

  /** Each call as {@code "clientId scope -> outcome"}. */
  public List<String> calls() {
    return List.copyOf(calls);
  }

  /** The token behind a bearer value, if this fake issued it and it has not expired. */
  Token validate(String bearer) {
    Token token = bearer == null ? null : tokens.get(bearer);
    return token != null && token.expires().isAfter(Instant.now()) ? token : null;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (exchange.getRequestMethod().equals("GET")
        && path.equals("/" + tenant + "/v2.0/.well-known/openid-configuration")) {
      String base = server.endpoint() + "/" + tenant;
      LoopbackServer.respond(
          exchange,
          200,
          "application/json",
          JSON.writeValueAsString(
              Map.of(
                  "token_endpoint", base + "/oauth2/v2.0/token",
                  "authorization_endpoint", base + "/oauth2/v2.0/authorize",
                  "issuer", base + "/v2.0")));
      return;
    }
    if (!exchange.getRequestMethod().equals("POST") || !path.endsWith("/oauth2/v2.0/token")) {
      error(exchange, 404, "invalid_request", "unknown endpoint " + path, "-");
      return;
    }
    Map<String, String> form = LoopbackServer.form(LoopbackServer.body(exchange, 64 * 1024));
    String clientId = form.getOrDefault("client_id", "");
    String scope = form.getOrDefault("scope", "");
    String call = clientId + " " + scope;
    if (!path.equals("/" + tenant + "/oauth2/v2.0/token")) {
      error(exchange, 400, "invalid_tenant", "AADSTS90002: Tenant not found", call);
      return;
    }
    if (!"client_credentials".equals(form.get("grant_type"))
        || !"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            .equals(form.get("client_assertion_type"))) {
      error(exchange, 400, "unsupported_grant_type", "expected a client assertion", call);
      return;
    }
    Path trusted = federated.get(clientId);
    String assertion = form.get("client_assertion");
    if (trusted == null
        || assertion == null
        || !assertion.equals(Files.readString(trusted, StandardCharsets.UTF_8).strip())) {
      error(
          exchange,
          401,
          "invalid_client",
          "AADSTS700213: No matching federated identity record" + " found for presented assertion",
          call);
      return;
    }
    // MSAL adds the OpenID scopes to every request; Entra ID ignores them for client credentials.
    String[] scopes =
        java.util.Arrays.stream(scope.split(" "))
            .filter(
                x -> !x.isBlank() && !List.of("openid", "profile", "offline_access").contains(x))
            .toArray(String[]::new);
    if (scopes.length != 1 || !scopes[0].endsWith("/.default")) {
      error(
          exchange,
          400,
          "invalid_scope",
          "AADSTS70011: one resource/.default scope expected",
          call);
      return;
    }
    call = clientId + " " + scopes[0];
    String resource = scopes[0].substring(0, scopes[0].length() - "/.default".length());
    byte[] raw = new byte[24];
    random.nextBytes(raw);
    String accessToken = "fake-entra." + HexFormat.of().formatHex(raw);
    tokens.put(accessToken, new Token(clientId, resource, Instant.now().plus(Duration.ofHours(1))));
    calls.add(call + " -> ok");
    LoopbackServer.respond(
        exchange,
        200,
        "application/json",
        JSON.writeValueAsString(
            Map.of(
                "token_type",
                "Bearer",
                "expires_in",
                3599,
                "ext_expires_in",
                3599,
                "access_token",
                accessToken)));
  }

  private void error(HttpExchange exchange, int status, String code, String message, String call)
      throws IOException {
    calls.add(call + " -> " + code);
    LoopbackServer.respond(
        exchange,
        status,
        "application/json",
        JSON.writeValueAsString(
            Map.of("error", code, "error_description", message, "error_codes", List.of(status))));
  }

  @Override
  public void close() {
    server.close();
  }
}
