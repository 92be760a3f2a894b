package dev.envelope.kms.azure;

import dev.envelope.core.InvalidPolicyException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code azure-kv://} KEK: {@code azure-kv://VAULT.vault.azure.net/keys/NAME[/VERSION]}, or a
 * Managed HSM ({@code HSM.managedhsm.azure.net}), in the public or a sovereign cloud. Without a
 * version, wraps use the key's current version, and each wrapped key records the version used.
 */
record KeyVaultKeyUri(String uri, String host, String name, Optional<String> version) {
  static final String PREFIX = AzureKeyVaultKekProvider.SCHEME + "://";
  private static final Pattern FORM =
      Pattern.compile(
          "([a-z0-9][a-z0-9-]{1,62})\\.(vault|managedhsm)\\."
              + "(azure\\.net|azure\\.cn|usgovcloudapi\\.net|microsoftazure\\.de)"
              + "/keys/([0-9A-Za-z-]{1,127})(?:/([0-9A-Za-z]{1,64}))?");

  static KeyVaultKeyUri parse(String uri) {
    Matcher m = FORM.matcher(uri.startsWith(PREFIX) ? uri.substring(PREFIX.length()) : "");
    if (!m.matches()) {
      throw new InvalidPolicyException(
          "key policy",
          "KEK " + uri,
          "an azure-kv KEK is"
              + " azure-kv://VAULT.vault.azure.net/keys/NAME[/VERSION] (or a .managedhsm.azure.net"
              + " host, or a sovereign cloud's)");
    }
    String host = m.group(1) + "." + m.group(2) + "." + m.group(3);
    return new KeyVaultKeyUri(uri, host, m.group(4), Optional.ofNullable(m.group(5)));
  }

  boolean managedHsm() {
    return host.contains(".managedhsm.");
  }

  /**
   * The key id Key Vault uses for a version of this key: {@code https://HOST/keys/NAME/VERSION}.
   */
  String keyId(String keyVersion) {
    return "https://" + host + "/keys/" + name + "/" + keyVersion;
  }

  /** Whether a key id Key Vault answered names this key (any version) on this host. */
  boolean answeredBy(String keyId, String keyVersion) {
    return keyId(keyVersion).equals(keyId);
  }
}
