package dev.envelope.kms.gcp;

import com.google.cloud.kms.v1.AsymmetricDecryptRequest;
import com.google.cloud.kms.v1.AsymmetricDecryptResponse;
import com.google.cloud.kms.v1.CryptoKeyVersion.CryptoKeyVersionAlgorithm;
import com.google.cloud.kms.v1.KeyManagementServiceClient;
import com.google.cloud.kms.v1.PublicKey;
import com.google.protobuf.ByteString;
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
import java.util.Base64;
import java.util.Set;

/**
 * A Cloud KMS asymmetric-decrypt RSA key version ({@code RSA_DECRYPT_OAEP_*_SHA256}): wrap =
 * RSAES-OAEP-SHA-256 here with the public key from {@code GetPublicKey} (fetched once, PEM checked
 * against its CRC32C), unwrap = {@code AsymmetricDecrypt} in Cloud KMS ({@code docs/FORMAT.md}
 * §5.5, shared with the other KMSes' RSA keys).
 */
final class AsymmetricGcpKek implements Kek {
  private static final Set<CryptoKeyVersionAlgorithm> SUPPORTED =
      Set.of(
          CryptoKeyVersionAlgorithm.RSA_DECRYPT_OAEP_2048_SHA256,
          CryptoKeyVersionAlgorithm.RSA_DECRYPT_OAEP_3072_SHA256,
          CryptoKeyVersionAlgorithm.RSA_DECRYPT_OAEP_4096_SHA256);

  private final GcpKeyName key;
  private final KeyManagementServiceClient kms;
  private final RSAPublicKey publicKey;
  private final Runnable onClose;
  private final CloseOnce closed;
  private final String identity;

  private AsymmetricGcpKek(
      GcpKeyName key,
      KeyManagementServiceClient kms,
      RSAPublicKey publicKey,
      String identity,
      Runnable onClose) {
    this.key = key;
    this.identity = identity;
    this.kms = kms;
    this.publicKey = publicKey;
    this.onClose = onClose;
    this.closed = new CloseOnce(key.uri());
  }

  static AsymmetricGcpKek open(
      GcpKeyName key, KeyManagementServiceClient kms, String identity, Runnable onClose) {
    PublicKey answer;
    try {
      answer = kms.getPublicKey(key.resource());
    } catch (RuntimeException e) {
      throw GcpErrors.map(KmsCall.lookup(GcpErrors.SERVICE, key.uri(), "GetPublicKey"), e);
    }
    if (!answer.getName().equals(key.resource())) {
      throw new KeyUnavailableException(
          "Cloud KMS KEK " + key.uri() + ": GetPublicKey answered" + " for " + answer.getName(),
          false);
    }
    byte[] pem = answer.getPem().getBytes(StandardCharsets.UTF_8);
    if (!Crc32c.matches(answer.getPemCrc32C(), pem)) {
      throw new KeyUnavailableException(
          "Cloud KMS KEK "
              + key.uri()
              + ": the public key does not"
              + " match its CRC32C (corrupted in transit)",
          true);
    }
    if (!SUPPORTED.contains(answer.getAlgorithm())) {
      throw new KeyUnavailableException(
          "Cloud KMS KEK "
              + key.uri()
              + ": algorithm "
              + answer.getAlgorithm()
              + " is not supported (RSA_DECRYPT_OAEP_{2048,3072,4096}_SHA256)",
          false);
    }
    try {
      String base64 = answer.getPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      return new AsymmetricGcpKek(
          key, kms, RsaOaep256.publicKey(Base64.getDecoder().decode(base64)), identity, onClose);
    } catch (IllegalArgumentException e) {
      throw new KeyUnavailableException(
          "Cloud KMS KEK " + key.uri() + ": GetPublicKey's PEM: " + e.getMessage(), false, e);
    }
  }

  @Override
  public dev.envelope.core.spi.KeyRotation rotation() {
    return GcpRotation.of(kms, key);
  }

  @Override
  public String identity() {
    return identity;
  }

  @Override
  public String uri() {
    return key.uri();
  }

  @Override
  public WrapAlgorithm algorithm() {
    return WrapAlgorithm.RSA_OAEP_256;
  }

  @Override
  public boolean isAsymmetric() {
    return true;
  }

  @Override
  public byte[] wrap(SecretBytes dataKey, WrapContext context) {
    return RsaOaep256.wrap(publicKey, dataKey);
  }

  @Override
  public SecretBytes unwrap(byte[] wrappedKey, WrapContext context) {
    AsymmetricDecryptResponse answer;
    try {
      answer =
          kms.asymmetricDecrypt(
              AsymmetricDecryptRequest.newBuilder()
                  .setName(key.resource())
                  .setCiphertext(ByteString.copyFrom(wrappedKey))
                  .setCiphertextCrc32C(Crc32c.value(wrappedKey))
                  .build());
    } catch (RuntimeException e) {
      throw GcpErrors.map(KmsCall.unwrap(GcpErrors.SERVICE, key.uri(), "AsymmetricDecrypt"), e);
    }
    byte[] dek = answer.getPlaintext().toByteArray();
    if (!answer.getVerifiedCiphertextCrc32C()
        || !Crc32c.matches(answer.getPlaintextCrc32C(), dek)) {
      Arrays.fill(dek, (byte) 0);
      throw new KeyUnavailableException(
          "Cloud KMS KEK "
              + key.uri()
              + ": AsymmetricDecrypt's"
              + " integrity checks failed (corrupted in transit)",
          true);
    }
    if (dek.length != DATA_KEY_BYTES) {
      Arrays.fill(dek, (byte) 0);
      throw new AuthenticationException(
          "Cloud KMS KEK "
              + key.uri()
              + ": AsymmetricDecrypt"
              + " returned "
              + dek.length
              + " bytes, not a "
              + DATA_KEY_BYTES
              + "-byte data key");
    }
    return SecretBytes.adopt(dek);
  }

  @Override
  public void close() {
    closed.close(onClose);
  }

  @Override
  public String toString() {
    return "AsymmetricGcpKek[" + key.uri() + "]";
  }
}
