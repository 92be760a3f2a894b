package dev.envelope.testing.gcp;

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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Google's Security Token Service on 127.0.0.1 over HTTPS (google-auth refuses plain HTTP): the RFC
 * 8693 token exchange ({@code POST /v1/token}) that workload identity federation performs. The
 * subject token must be the current content of the file trusted for the pool provider named by
 * {@code audience}; the federated access token it issues names that principal, and {@link
 * FakeCloudKms} accepts only tokens issued here.
 */
public final class FakeGoogleSts implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final LoopbackServer server;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Path> trusted = new ConcurrentHashMap<>();
  private final Map<String, String> tokens = new ConcurrentHashMap<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();

  public FakeGoogleSts(SelfSignedTls tls) {
    this.server = new LoopbackServer(this::handle, tls);
  }

  /** For the {@code token_url} of an {@code external_account} configuration. */
  public URI tokenUrl() {
    return server.endpoint().resolve("/v1/token");
  }

  /**
   * Trusts the token in {@code tokenFile} for {@code audience} (e.g. {@code
   * //iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p/providers/k8s}).
   */
  public void trust(String audience, Path tokenFile) {
    trusted.put(audience, tokenFile);
  }

  /** The principal of a federated access token this fake issued, or null. */
  public String principal(String accessToken) {
    return accessToken == null ? null : tokens.get(accessToken);
  }

  /** The {@code sub} claim of a JWT subject token, or a stand-in for an opaque one. */
  private static String subjectOf(String token) {
    String[] parts = token.strip().split("\\.");
    if (parts.length == 3) {
      try {
        String sub =
            JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[1]))
                .path("sub")
                .asText(null);
        if (sub != null) {
          return sub;
        }
      } catch (IOException | IllegalArgumentException e) {
        // opaque
      }
    }
    return "opaque-" + Integer.toHexString(token.hashCode());
  }

  /** Each exchange as {@code "audience -> outcome"}. */
  public List<String> calls() {
    return List.copyOf(calls);
  }

  private void handle(HttpExchange exchange) throws IOException {
    Map<String, String> form = LoopbackServer.form(LoopbackServer.body(exchange, 64 * 1024));
    String audience = form.getOrDefault("audience", "");
    if (!exchange.getRequestURI().getPath().equals("/v1/token")
        || !"urn:ietf:params:oauth:grant-type:token-exchange".equals(form.get("grant_type"))
        || !"urn:ietf:params:oauth:token-type:access_token"
            .equals(form.get("requested_token_type"))) {
      error(exchange, audience, "invalid_request", "expected an RFC 8693 token exchange");
      return;
    }
    Path file = trusted.get(audience);
    String subject = form.get("subject_token");
    if (file == null
        || subject == null
        || !subject.equals(Files.readString(file, StandardCharsets.UTF_8).strip())) {
      error(exchange, audience, "invalid_grant", "The audience or subject token is not trusted");
      return;
    }
    byte[] raw = new byte[24];
    random.nextBytes(raw);
    String token = "ya29.fake-federated." + HexFormat.of().formatHex(raw);
    // As Google names a federated identity: the pool (not its provider) and the token's subject.
    String principal =
        "principal://iam.googleapis.com/"
            + audience
                .replaceFirst("^//iam.googleapis.com/", "")
                .replaceFirst("/providers/[^/]+$", "")
            + "/subject/"
            + subjectOf(subject);
    tokens.put(token, principal);
    calls.add(audience + " -> ok");
    LoopbackServer.respond(
        exchange,
        200,
        "application/json",
        JSON.writeValueAsString(
            Map.of(
                "access_token",
                token,
                "issued_token_type",
                "urn:ietf:params:oauth:token-type:access_token",
                "token_type",
                "Bearer",
                "expires_in",
                3600)));
  }

  private void error(HttpExchange exchange, String audience, String code, String message)
      throws IOException {
    calls.add(audience + " -> " + code);
    LoopbackServer.respond(
        exchange,
        400,
        "application/json",
        JSON.writeValueAsString(Map.of("error", code, "error_description", message)));
  }

  @Override
  public void close() {
    server.close();
  }
}
