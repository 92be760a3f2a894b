package dev.envelope.testing.aws;

import com.sun.net.httpserver.HttpExchange;
import dev.envelope.testing.LoopbackServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * AWS STS on 127.0.0.1, query protocol with XML answers: {@code AssumeRoleWithWebIdentity}
 * (unsigned; the web identity token must equal the current content of the role's trusted token
 * file) and {@code AssumeRole} (SigV4-signed by a caller the role trusts). Issued credentials are
 * registered in the shared {@link AwsIdentities}, so the fake KMS accepts them and can tell who
 * called.
 */
public final class FakeSts implements AutoCloseable {
  private static final String NS = "https://sts.amazonaws.com/doc/2011-06-15/";

  /** The call being handled, for {@link #calls()} (handlers run on pool threads). */
  private final AwsIdentities identities;

  private final LoopbackServer server;
  private final Map<String, Path> webIdentityTrust = new ConcurrentHashMap<>();
  private final Map<String, String> roleTrust = new ConcurrentHashMap<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile Duration lifetime = Duration.ofHours(1);

  public FakeSts(AwsIdentities identities) {
    this.identities = identities;
    this.server = new LoopbackServer(this::handle);
  }

  /** Lets holders of the token in {@code tokenFile} assume {@code roleArn} (IRSA). */
  public void trustWebIdentity(String roleArn, Path tokenFile) {
    webIdentityTrust.put(roleArn, tokenFile);
  }

  /**
   * Lets callers whose principal ARN starts with {@code principalPrefix} assume {@code roleArn}.
   */
  public void trustRole(String roleArn, String principalPrefix) {
    roleTrust.put(roleArn, principalPrefix);
  }

  /** How long issued credentials last (default one hour). */
  public void credentialLifetime(Duration lifetime) {
    this.lifetime = lifetime;
  }

  public URI endpoint() {
    return server.endpoint();
  }

  /** Each call as {@code "Action roleArn -> ok"} (or the error code), in order. */
  public List<String> calls() {
    return List.copyOf(calls);
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body = LoopbackServer.body(exchange, 64 * 1024);
    Map<String, String> params = LoopbackServer.form(body);
    String action = params.getOrDefault("Action", "");
    String roleArn = params.getOrDefault("RoleArn", "");
    String session = params.getOrDefault("RoleSessionName", "");
    String call = action + " " + roleArn; // how calls() records this request
    if (!"2011-06-15".equals(params.get("Version"))) {
      error(exchange, call, 400, "InvalidAction", "Version must be 2011-06-15");
      return;
    }
    if ("GetCallerIdentity".equals(action)) {
      // Signed by the caller; needs no permission, and tells who the credentials belong to.
      AwsIdentities.Caller caller = identities.authenticate(exchange, body, "sts");
      if (!caller.ok()) {
        error(exchange, call, 403, caller.errorCode(), caller.error());
        return;
      }
      String arn = caller.credentials().principalArn();
      calls.add("GetCallerIdentity " + arn + " -> ok");
      LoopbackServer.respond(
          exchange,
          200,
          "text/xml",
          "<GetCallerIdentityResponse xmlns=\""
              + NS
              + "\"><GetCallerIdentityResult><Arn>"
              + arn
              + "</Arn><UserId>AROA"
              + Integer.toHexString(arn.hashCode()).toUpperCase(java.util.Locale.ROOT)
              + ":"
              + arn.substring(arn.lastIndexOf('/') + 1)
              + "</UserId><Account>"
              + AwsIdentities.ACCOUNT
              + "</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>"
              + UUID.randomUUID()
              + "</RequestId></ResponseMetadata></GetCallerIdentityResponse>");
      return;
    }
    if (session.isEmpty()) {
      error(exchange, call, 400, "ValidationError", "RoleSessionName is required");
      return;
    }
    switch (action) {
      case "AssumeRoleWithWebIdentity" -> {
        Path trusted = webIdentityTrust.get(roleArn);
        String token = params.get("WebIdentityToken");
        if (trusted == null
            || token == null
            || !token.equals(Files.readString(trusted, StandardCharsets.UTF_8))) {
          error(
              exchange,
              call,
              400,
              "InvalidIdentityToken",
              "Couldn't verify the web identity token for role " + roleArn);
          return;
        }
        answer(exchange, call, action, identities.issueSession(roleArn, session, lifetime));
      }
      case "AssumeRole" -> {
        AwsIdentities.Caller caller = identities.authenticate(exchange, body, "sts");
        if (!caller.ok()) {
          error(exchange, call, 403, caller.errorCode(), caller.error());
          return;
        }
        String prefix = roleTrust.get(roleArn);
        if (prefix == null || !caller.credentials().principalArn().startsWith(prefix)) {
          error(
              exchange,
              call,
              403,
              "AccessDenied",
              "User: "
                  + caller.credentials().principalArn()
                  + " is not authorized to perform: sts:AssumeRole on resource: "
                  + roleArn);
          return;
        }
        answer(exchange, call, action, identities.issueSession(roleArn, session, lifetime));
      }
      default -> error(exchange, call, 400, "InvalidAction", "Could not find operation " + action);
    }
  }

  private void answer(
      HttpExchange exchange, String call, String action, AwsIdentities.Credentials c)
      throws IOException {
    calls.add(call + " -> ok");
    String xml =
        "<"
            + action
            + "Response xmlns=\""
            + NS
            + "\"><"
            + action
            + "Result>"
            + "<Credentials><AccessKeyId>"
            + c.accessKeyId()
            + "</AccessKeyId>"
            + "<SecretAccessKey>"
            + c.secretAccessKey()
            + "</SecretAccessKey>"
            + "<SessionToken>"
            + c.sessionToken()
            + "</SessionToken>"
            + "<Expiration>"
            + c.expiration()
            + "</Expiration></Credentials>"
            + "<AssumedRoleUser><Arn>"
            + c.principalArn()
            + "</Arn>"
            + "<AssumedRoleId>AROA"
            + UUID.randomUUID().toString().substring(0, 8)
            + ":s</AssumedRoleId>"
            + "</AssumedRoleUser></"
            + action
            + "Result>"
            + "<ResponseMetadata><RequestId>"
            + UUID.randomUUID()
            + "</RequestId></ResponseMetadata>"
            + "</"
            + action
            + "Response>";
    LoopbackServer.respond(exchange, 200, "text/xml", xml);
  }

  private void error(HttpExchange exchange, String call, int status, String code, String message)
      throws IOException {
    calls.add(call + " -> " + code);
    String xml =
        "<ErrorResponse xmlns=\""
            + NS
            + "\"><Error><Type>Sender</Type><Code>"
            + code
            + "</Code><Message>"
            + message
            + "</Message></Error><RequestId>"
            + UUID.randomUUID()
            + "</RequestId></ErrorResponse>";
    LoopbackServer.respond(exchange, status, "text/xml", xml);
  }

  @Override
  public void close() {
    server.close();
  }
}
