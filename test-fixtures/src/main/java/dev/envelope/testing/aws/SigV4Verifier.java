package dev.envelope.testing.aws;

import com.sun.net.httpserver.Headers;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks an AWS Signature Version 4 {@code Authorization} header the way AWS does: recomputes the
 * canonical request, string to sign and signature from the request and the secret key of the access
 * key it names, and checks the date is within 15 minutes and the scope names the service.
 */
final class SigV4Verifier {
  private static final Pattern AUTHORIZATION =
      Pattern.compile(
          "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request,\\s*"
              + "SignedHeaders=([^,]+),\\s*Signature=([0-9a-f]{64})");
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final HexFormat HEX = HexFormat.of();

  /** What the header claims; checked by {@link #verify}. */
  record Claim(
      String accessKeyId,
      String date,
      String region,
      String service,
      List<String> signedHeaders,
      String signature) {}

  private SigV4Verifier() {}

  /** Parses the header, or returns null if it is absent or not SigV4. */
  static Claim parse(String authorization) {
    if (authorization == null) {
      return null;
    }
    Matcher m = AUTHORIZATION.matcher(authorization);
    if (!m.matches()) {
      return null;
    }
    return new Claim(
        m.group(1), m.group(2), m.group(3), m.group(4), List.of(m.group(5).split(";")), m.group(6));
  }

  /** Returns null if the signature is right, else why not (AWS's wording where it has one). */
  static String verify(
      Claim claim,
      String secretKey,
      String method,
      String path,
      String query,
      Headers headers,
      byte[] body) {
    String amzDate = headers.getFirst("X-Amz-Date");
    if (amzDate == null || !amzDate.startsWith(claim.date())) {
      return "X-Amz-Date missing or not matching the credential scope";
    }
    Instant signedAt;
    try {
      signedAt = Instant.from(AMZ_DATE.parse(amzDate));
    } catch (RuntimeException e) {
      return "X-Amz-Date is malformed";
    }
    if (Duration.between(signedAt, Instant.now()).abs().compareTo(Duration.ofMinutes(15)) > 0) {
      return "Signature expired";
    }
    if (!claim.signedHeaders().contains("host")) {
      return "host must be a signed header";
    }
    StringBuilder canonical =
        new StringBuilder()
            .append(method)
            .append('\n')
            .append(path.isEmpty() ? "/" : path)
            .append('\n')
            .append(query == null ? "" : query)
            .append('\n');
    for (String name : claim.signedHeaders()) {
      List<String> values = headers.get(name);
      if (values == null) {
        return "signed header " + name + " is missing";
      }
      canonical
          .append(name.toLowerCase(Locale.ROOT))
          .append(':')
          .append(
              String.join(",", values.stream().map(v -> v.trim().replaceAll(" +", " ")).toList()))
          .append('\n');
    }
    String payloadHash = headers.getFirst("X-Amz-Content-Sha256");
    if (payloadHash == null || !payloadHash.equals("UNSIGNED-PAYLOAD")) {
      payloadHash = HEX.formatHex(sha256(body));
    }
    canonical
        .append('\n')
        .append(String.join(";", claim.signedHeaders()))
        .append('\n')
        .append(payloadHash);
    String scope = claim.date() + "/" + claim.region() + "/" + claim.service() + "/aws4_request";
    String toSign =
        "AWS4-HMAC-SHA256\n"
            + amzDate
            + "\n"
            + scope
            + "\n"
            + HEX.formatHex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), claim.date());
    key = hmac(key, claim.region());
    key = hmac(key, claim.service());
    key = hmac(key, "aws4_request");
    String expected = HEX.formatHex(hmac(key, toSign));
    return MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.US_ASCII),
            claim.signature().getBytes(StandardCharsets.US_ASCII))
        ? null
        : "The request signature we calculated does not match the signature you provided";
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
