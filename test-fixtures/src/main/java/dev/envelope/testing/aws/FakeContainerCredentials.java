package dev.envelope.testing.aws;

import com.sun.net.httpserver.HttpExchange;
import dev.envelope.testing.LoopbackServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The EKS Pod Identity agent on 127.0.0.1: {@code GET /v1/credentials} with an {@code
 * Authorization} header that must equal the pod's service-account token (the content of {@code
 * tokenFile} at request time); answers temporary credentials of {@code roleArn} in the container
 * credentials JSON shape.
 */
public final class FakeContainerCredentials implements AutoCloseable {
  private final AwsIdentities identities;
  private final String roleArn;
  private final Path tokenFile;
  private final LoopbackServer server;
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger rejected = new AtomicInteger();

  public FakeContainerCredentials(AwsIdentities identities, String roleArn, Path tokenFile) {
    this.identities = identities;
    this.roleArn = roleArn;
    this.tokenFile = tokenFile;
    this.server = new LoopbackServer(this::handle);
  }

  /** The value for {@code AWS_CONTAINER_CREDENTIALS_FULL_URI}. */
  public URI credentialsUri() {
    return server.endpoint().resolve("/v1/credentials");
  }

  /** Credentials served. */
  public int calls() {
    return calls.get();
  }

  /** Requests refused for a missing or wrong token. */
  public int rejected() {
    return rejected.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String token = exchange.getRequestHeaders().getFirst("Authorization");
    String expected = Files.readString(tokenFile, StandardCharsets.UTF_8);
    if (!exchange.getRequestMethod().equals("GET")
        || !exchange.getRequestURI().getPath().equals("/v1/credentials")) {
      LoopbackServer.respond(exchange, 404, "application/json", "{\"message\":\"not found\"}");
      return;
    }
    if (token == null || !token.equals(expected)) {
      rejected.incrementAndGet();
      LoopbackServer.respond(
          exchange,
          401,
          "application/json",
          "{\"code\":\"AccessDeniedException\",\"message\":\"invalid service account token\"}");
      return;
    }
    calls.incrementAndGet();
    AwsIdentities.Credentials c =
        identities.issueSession(roleArn, "eks-pod-identity", Duration.ofHours(6));
    LoopbackServer.respond(
        exchange,
        200,
        "application/json",
        "{\"AccessKeyId\":\""
            + c.accessKeyId()
            + "\",\"SecretAccessKey\":\""
            + c.secretAccessKey()
            + "\",\"Token\":\""
            + c.sessionToken()
            + "\",\"AccountId\":\""
            + AwsIdentities.ACCOUNT
            + "\",\"Expiration\":\""
            + c.expiration()
            + "\"}");
  }

  @Override
  public void close() {
    server.close();
  }
}
