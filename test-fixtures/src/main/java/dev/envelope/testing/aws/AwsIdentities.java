package dev.envelope.testing.aws;

import com.sun.net.httpserver.HttpExchange;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identities the fake AWS services share: long-term access keys of IAM users and the temporary
 * credentials STS or the Pod Identity agent issued. A fake KMS authenticates each request against
 * them, so a test can tell which identity a call was made with.
 */
public final class AwsIdentities {
  /** The account every fake resource belongs to. */
  public static final String ACCOUNT = "111122223333";

  /**
   * One set of credentials and whose they are.
   *
   * @param sessionToken null for long-term keys
   * @param principalArn e.g. {@code arn:aws:sts::111122223333:assumed-role/ROLE/SESSION}
   */
  public record Credentials(
      String accessKeyId,
      String secretAccessKey,
      String sessionToken,
      String principalArn,
      Instant expiration) {
    @Override
    public String toString() {
      return "Credentials[" + accessKeyId + ", " + principalArn + "]";
    }
  }

  /** The outcome of authenticating a signed request. */
  record Caller(Credentials credentials, String region, String error, String errorCode) {
    boolean ok() {
      return error == null;
    }
  }

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Credentials> byAccessKey = new ConcurrentHashMap<>();

  /** Every credential issued so far (for tests that look for secrets in outputs). */
  public java.util.Collection<Credentials> issued() {
    return java.util.List.copyOf(byAccessKey.values());
  }

  /** Long-term keys ({@code AKIA…}) of the IAM user {@code name}. */
  public Credentials addUser(String name) {
    Credentials c =
        new Credentials(
            "AKIA" + id(16),
            secret(),
            null,
            "arn:aws:iam::" + ACCOUNT + ":user/" + name,
            Instant.MAX);
    byAccessKey.put(c.accessKeyId(), c);
    return c;
  }

  /** Temporary credentials ({@code ASIA…}) for a session of {@code roleArn}. */
  public Credentials issueSession(String roleArn, String sessionName, Duration lifetime) {
    String role = roleArn.substring(roleArn.indexOf(":role/") + ":role/".length());
    Credentials c =
        new Credentials(
            "ASIA" + id(16),
            secret(),
            "FQoG" + secret() + secret(),
            "arn:aws:sts::" + ACCOUNT + ":assumed-role/" + role + "/" + sessionName,
            Instant.now().plus(lifetime));
    byAccessKey.put(c.accessKeyId(), c);
    return c;
  }

  /** Authenticates a SigV4-signed request for {@code service}, as AWS would. */
  Caller authenticate(HttpExchange exchange, byte[] body, String service) {
    SigV4Verifier.Claim claim =
        SigV4Verifier.parse(exchange.getRequestHeaders().getFirst("Authorization"));
    if (claim == null) {
      return failed("MissingAuthenticationToken", "Missing Authentication Token");
    }
    if (!claim.service().equals(service)) {
      return failed(
          "InvalidSignatureException",
          "Credential should be scoped to correct service: '" + service + "'");
    }
    Credentials c = byAccessKey.get(claim.accessKeyId());
    if (c == null) {
      return failed(
          "UnrecognizedClientException",
          "The security token included in the request is" + " invalid.");
    }
    if (c.expiration().isBefore(Instant.now())) {
      return failed(
          "ExpiredTokenException", "The security token included in the request is" + " expired");
    }
    String token = exchange.getRequestHeaders().getFirst("X-Amz-Security-Token");
    if ((c.sessionToken() != null && !c.sessionToken().equals(token))
        || (c.sessionToken() == null && token != null)) {
      return failed(
          "UnrecognizedClientException",
          "The security token included in the request is" + " invalid.");
    }
    if (c.sessionToken() != null && !claim.signedHeaders().contains("x-amz-security-token")) {
      return failed("InvalidSignatureException", "x-amz-security-token must be signed");
    }
    String error =
        SigV4Verifier.verify(
            claim,
            c.secretAccessKey(),
            exchange.getRequestMethod(),
            exchange.getRequestURI().getRawPath(),
            exchange.getRequestURI().getRawQuery(),
            exchange.getRequestHeaders(),
            body);
    if (error != null) {
      return failed("InvalidSignatureException", error);
    }
    return new Caller(c, claim.region(), null, null);
  }

  private static Caller failed(String code, String message) {
    return new Caller(null, null, message, code);
  }

  private String id(int length) {
    StringBuilder s = new StringBuilder();
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private String secret() {
    byte[] b = new byte[20];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b).toUpperCase(Locale.ROOT);
  }
}
