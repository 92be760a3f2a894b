package dev.envelope.kek.hpke;

import dev.envelope.core.InvalidPolicyException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

/**
 * The recipient of an {@code hpke://} KEK, carried whole by its URI: {@code
 * hpke://SUITE/BASE64URL-PUBLIC-KEY} with SUITE {@code x25519} or {@code xwing} and the public key
 * serialized as RFC 9180 {@code SerializePublicKey} does, base64url without padding. The URI is all
 * a cluster needs to seal for this recipient.
 *
 * @param fingerprint hex of the first 8 bytes of SHA-256 of the URI: the recipient reference the
 *     envelope records ({@code docs/FORMAT.md} §3), and the private key file's name
 */
@SuppressWarnings("ArrayRecordComponent") // parsed once per KEK, never compared as a record
record HpkePublicKey(String uri, HpkeSuite suite, byte[] encoded, String fingerprint) {
  static final String PREFIX = HpkeKekProvider.SCHEME + "://";

  static HpkePublicKey parse(String uri) {
    String rest = uri.startsWith(PREFIX) ? uri.substring(PREFIX.length()) : "";
    int slash = rest.indexOf('/');
    HpkeSuite suite = slash < 0 ? null : HpkeSuite.byLabel(rest.substring(0, slash)).orElse(null);
    if (suite == null) {
      throw invalid(
          uri,
          "an hpke KEK is hpke://x25519/PUBLIC-KEY or hpke://xwing/PUBLIC-KEY, the"
              + " public key in base64url as 'envelope keygen hpke' prints it");
    }
    byte[] key;
    try {
      key = Base64.getUrlDecoder().decode(rest.substring(slash + 1));
    } catch (IllegalArgumentException e) {
      throw invalid(uri, "the public key is not base64url");
    }
    if (key.length != suite.publicKeyBytes) {
      throw invalid(
          uri,
          "an "
              + suite.label
              + " public key has "
              + suite.publicKeyBytes
              + " bytes, this one "
              + key.length);
    }
    // Let the KEM check the encoding too (e.g. ML-KEM's coefficient range), now rather than later.
    try {
      suite.hpke().deserializePublicKey(key);
    } catch (RuntimeException e) {
      throw invalid(uri, "not a valid " + suite.label + " public key");
    }
    return new HpkePublicKey(uri, suite, key, fingerprint(uri));
  }

  /** The URI for a public key: the form to paste into the policy. */
  static String uri(HpkeSuite suite, byte[] publicKey) {
    return PREFIX
        + suite.label
        + "/"
        + Base64.getUrlEncoder().withoutPadding().encodeToString(publicKey);
  }

  AsymmetricKeyParameter parameters() {
    return suite.hpke().deserializePublicKey(encoded);
  }

  static String fingerprint(String uri) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(uri.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HpkePublicKey other
        && uri.equals(other.uri)
        && Arrays.equals(encoded, other.encoded);
  }

  @Override
  public int hashCode() {
    return uri.hashCode();
  }

  @Override
  public String toString() {
    return PREFIX + suite.label + "/…(" + fingerprint + ")";
  }

  private static InvalidPolicyException invalid(String uri, String problem) {
    String shown = uri.length() > 60 ? uri.substring(0, 60) + "…" : uri;
    return new InvalidPolicyException("key policy", "KEK " + shown, problem);
  }
}
