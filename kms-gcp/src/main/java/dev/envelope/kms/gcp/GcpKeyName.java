package dev.envelope.kms.gcp;

import dev.envelope.core.InvalidPolicyException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code gcp-kms://} KEK: {@code gcp-kms://projects/P/locations/L/keyRings/R/cryptoKeys/K} for a
 * symmetric key (its primary version encrypts; any version decrypts) or {@code
 * …/cryptoKeys/K/cryptoKeyVersions/N} for an asymmetric-decrypt RSA key version.
 *
 * @param resource the Cloud KMS resource name, {@code projects/…}
 */
record GcpKeyName(String uri, String resource, boolean version) {
  static final String PREFIX = GcpKmsKekProvider.SCHEME + "://";
  private static final String ID = "[a-zA-Z0-9_-]{1,63}";
  private static final Pattern FORM =
      Pattern.compile(
          "projects/[a-z][a-z0-9-]{4,28}[a-z0-9]"
              + "/locations/[a-z0-9-]{1,63}/keyRings/"
              + ID
              + "/cryptoKeys/"
              + ID
              + "(/cryptoKeyVersions/[1-9][0-9]{0,9})?");

  static GcpKeyName parse(String uri) {
    String resource = uri.startsWith(PREFIX) ? uri.substring(PREFIX.length()) : "";
    Matcher m = FORM.matcher(resource);
    if (!m.matches()) {
      throw new InvalidPolicyException(
          "key policy",
          "KEK " + uri,
          "a gcp-kms KEK is"
              + " gcp-kms://projects/P/locations/L/keyRings/R/cryptoKeys/K (symmetric) or"
              + " …/cryptoKeys/K/cryptoKeyVersions/N (an RSA_DECRYPT_OAEP_*_SHA256 key version)");
    }
    return new GcpKeyName(uri, resource, m.group(1) != null);
  }
}
