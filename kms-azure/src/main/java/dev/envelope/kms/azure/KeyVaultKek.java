package dev.envelope.kms.azure;

import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.cryptography.models.UnwrapResult;
import com.azure.security.keyvault.keys.cryptography.models.WrapResult;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import dev.envelope.core.AuthenticationException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.CloseOnce;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KmsCall;
import dev.envelope.core.spi.RsaOaep256;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A Key Vault or Managed HSM key. RSA keys wrap here with {@code RSA-OAEP-256} and the public key
 * read once from the vault (no vault call per wrap) and unwrap in the vault; AES keys of a Managed
 * HSM wrap and unwrap in the HSM with {@code A256KW}. Every wrapped key starts with the key version
 * that made it ({@code docs/FORMAT.md} §5.8), so a versionless URI keeps opening old envelopes
 * after the key is rotated; the key id in each answer is checked.
 */
final class KeyVaultKek implements Kek {
  private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z]{1,64}");

  private enum Kind {
    RSA,
    AES
  }

  private final KeyVaultKeyUri key;
  private final AzureClients clients;
  private final Kind kind;
  private final String wrapVersion;
  private final RSAPublicKey publicKey;
  private final Runnable onClose;
  private final CloseOnce closed;

  private KeyVaultKek(
      KeyVaultKeyUri key,
      AzureClients clients,
      Kind kind,
      String wrapVersion,
      RSAPublicKey publicKey,
      Runnable onClose) {
    this.key = key;
    this.clients = clients;
    this.kind = kind;
    this.wrapVersion = wrapVersion;
    this.publicKey = publicKey;
    this.onClose = onClose;
    this.closed = new CloseOnce(key.uri());
  }

  /** Reads the key (its current version for a versionless URI) once: type, state, public key. */
  static KeyVaultKek open(KeyVaultKeyUri key, AzureClients clients, Runnable onClose) {
    KeyVaultKey found;
    try {
      KeyClient keys = clients.keys(key);
      found =
          key.version()
              .map(v -> keys.getKey(key.name(), v))
              .orElseGet(() -> keys.getKey(key.name()));
    } catch (RuntimeException e) {
      throw KeyVaultErrors.map(KmsCall.lookup(KeyVaultErrors.SERVICE, key.uri(), "get key"), e);
    }
    String version = found.getProperties().getVersion();
    if (version == null
        || !VERSION.matcher(version).matches()
        || !key.answeredBy(found.getId(), version)) {
      throw new KeyUnavailableException(
          "Azure KEK "
              + key.uri()
              + ": Key Vault answered for key "
              + found.getId()
              + ", not this key",
          false);
    }
    if (!Boolean.TRUE.equals(found.getProperties().isEnabled())) {
      throw new KeyUnavailableException(
          "Azure KEK " + key.uri() + ": version " + version + " is disabled", false);
    }
    KeyType type = found.getKeyType();
    if (KeyType.RSA.equals(type) || KeyType.RSA_HSM.equals(type)) {
      RSAPublicKey pub;
      try {
        pub = RsaOaep256.checked((RSAPublicKey) found.getKey().toRsa(false).getPublic());
      } catch (IllegalArgumentException e) {
        throw new KeyUnavailableException("Azure KEK " + key.uri() + ": " + e.getMessage(), false);
      }
      return new KeyVaultKek(key, clients, Kind.RSA, version, pub, onClose);
    }
    if (KeyType.OCT.equals(type) || KeyType.OCT_HSM.equals(type)) {
      return new KeyVaultKek(key, clients, Kind.AES, version, null, onClose);
    }
    throw new KeyUnavailableException(
        "Azure KEK "
            + key.uri()
            + ": key type "
            + type
            + " is not supported (RSA, or an AES key of a Managed HSM)",
        false);
  }

  @Override
  public String uri() {
    return key.uri();
  }

  @Override
  public String identity() {
    return clients.identity().principal();
  }

  @Override
  public dev.envelope.core.spi.KeyRotation rotation() {
    return KeyVaultRotation.of(clients.keys(key), key.name(), wrapVersion);
  }

  @Override
  public WrapAlgorithm algorithm() {
    return kind == Kind.RSA ? WrapAlgorithm.AZURE_RSA_OAEP_256 : WrapAlgorithm.AZURE_A256KW;
  }

  @Override
  public boolean isAsymmetric() {
    return kind == Kind.RSA;
  }

  @Override
  public byte[] wrap(SecretBytes dataKey, WrapContext context) {
    closed.requireOpen();
    if (kind == Kind.RSA) {
      return withVersion(wrapVersion, RsaOaep256.wrap(publicKey, dataKey));
    }
    byte[] dek = dataKey.toByteArray();
    WrapResult result;
    try {
      result = clients.crypto(key, wrapVersion).wrapKey(KeyWrapAlgorithm.A256KW, dek);
    } catch (RuntimeException e) {
      throw KeyVaultErrors.map(
          KmsCall.wrap(KeyVaultErrors.SERVICE, key.uri(), "wrapKey A256KW"), e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
    if (!key.answeredBy(result.getKeyId(), wrapVersion)) {
      throw new KeyUnavailableException(
          "Azure KEK " + key.uri() + ": wrapKey answered for " + result.getKeyId(), false);
    }
    return withVersion(wrapVersion, result.getEncryptedKey());
  }

  @Override
  public SecretBytes unwrap(byte[] wrappedKey, WrapContext context) {
    closed.requireOpen();
    int length = wrappedKey.length == 0 ? 0 : wrappedKey[0] & 0xff;
    if (length == 0 || wrappedKey.length <= 1 + length) {
      throw new AuthenticationException(
          "Azure KEK " + key.uri() + ": the wrapped key does not" + " start with a key version");
    }
    String version = new String(wrappedKey, 1, length, StandardCharsets.US_ASCII);
    if (!VERSION.matcher(version).matches()
        || (key.version().isPresent() && !key.version().get().equals(version))) {
      throw new AuthenticationException(
          "Azure KEK "
              + key.uri()
              + ": the wrapped key names key"
              + " version '"
              + version
              + "', which this KEK does not use");
    }
    byte[] ciphertext = Arrays.copyOfRange(wrappedKey, 1 + length, wrappedKey.length);
    KeyWrapAlgorithm algorithm =
        kind == Kind.RSA ? KeyWrapAlgorithm.RSA_OAEP_256 : KeyWrapAlgorithm.A256KW;
    UnwrapResult result;
    try {
      result = clients.crypto(key, version).unwrapKey(algorithm, ciphertext);
    } catch (RuntimeException e) {
      throw KeyVaultErrors.map(
          KmsCall.unwrap(
              KeyVaultErrors.SERVICE, key.uri(), "unwrapKey " + algorithm + ", version " + version),
          e);
    }
    byte[] dek = result.getKey();
    if (!key.answeredBy(result.getKeyId(), version)
        || dek == null
        || dek.length != DATA_KEY_BYTES) {
      if (dek != null) {
        Arrays.fill(dek, (byte) 0);
      }
      throw new AuthenticationException(
          "Azure KEK "
              + key.uri()
              + ": unwrapKey answered for "
              + result.getKeyId()
              + " without a "
              + DATA_KEY_BYTES
              + "-byte data key");
    }
    return SecretBytes.adopt(dek);
  }

  private static byte[] withVersion(String version, byte[] wrapped) {
    byte[] v = version.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[1 + v.length + wrapped.length];
    out[0] = (byte) v.length;
    System.arraycopy(v, 0, out, 1, v.length);
    System.arraycopy(wrapped, 0, out, 1 + v.length, wrapped.length);
    return out;
  }

  @Override
  public void close() {
    closed.close(onClose);
  }

  @Override
  public String toString() {
    return "KeyVaultKek[" + key.uri() + ", " + kind + ", version " + wrapVersion + "]";
  }
}
