package dev.envelope.kms.aws;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.CloseOnce;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KmsCall;
import dev.envelope.core.spi.RsaOaep256;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptionAlgorithmSpec;
import software.amazon.awssdk.services.kms.model.GetPublicKeyResponse;

/**
 * An RSA KMS key ({@code RSA_2048/3072/4096}, {@code ENCRYPT_DECRYPT}): wrap = RSAES-OAEP-SHA-256
 * here with the public key fetched once by {@code GetPublicKey} (no KMS call per wrap, so a cluster
 * may seal for a key it cannot decrypt with); unwrap = {@code Decrypt} in KMS with {@code
 * RSAES_OAEP_SHA_256} and the key pinned ({@code docs/FORMAT.md} §5.5).
 */
final class RsaKmsKek implements Kek {

  private final String uri;
  private final KmsKeyArn key;
  private final KmsClient kms;
  private final RSAPublicKey publicKey;
  private final Runnable onClose;
  private final CloseOnce closed;

  private final String identity;

  private RsaKmsKek(
      String uri,
      KmsKeyArn key,
      KmsClient kms,
      RSAPublicKey publicKey,
      String identity,
      Runnable onClose) {
    this.uri = uri;
    this.identity = identity;
    this.key = key;
    this.kms = kms;
    this.publicKey = publicKey;
    this.onClose = onClose;
    this.closed = new CloseOnce(uri);
  }

  /**
   * Fetches and checks the public key.
   *
   * @param key the key's own ARN (an alias resolved by DescribeKey, so unwrap pins the key)
   */
  static RsaKmsKek open(
      String uri, KmsKeyArn key, KmsClient kms, String identity, Runnable onClose) {
    GetPublicKeyResponse answer;
    try {
      answer = kms.getPublicKey(r -> r.keyId(key.toString()));
    } catch (SdkException e) {
      throw KmsErrors.map(KmsCall.lookup(KmsErrors.SERVICE, uri, "GetPublicKey"), e);
    }
    if (!answer.encryptionAlgorithms().contains(EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256)) {
      throw new KeyUnavailableException(
          "AWS KMS KEK "
              + uri
              + ": the key does not offer"
              + " RSAES_OAEP_SHA_256 (its usage must be ENCRYPT_DECRYPT)",
          false);
    }
    try {
      return new RsaKmsKek(
          uri, key, kms, RsaOaep256.publicKey(answer.publicKey().asByteArray()), identity, onClose);
    } catch (IllegalArgumentException e) {
      throw new KeyUnavailableException(
          "AWS KMS KEK " + uri + ": GetPublicKey's key: " + e.getMessage(), false, e);
    }
  }

  /** Who unwraps (Decrypt); wrapping uses the public key and no identity. */
  @Override
  public String identity() {
    return identity;
  }

  @Override
  public dev.envelope.core.spi.KeyRotation rotation() {
    return KmsRotation.of(kms, key.toString(), false);
  }

  @Override
  public String uri() {
    return uri;
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
    DecryptResponse answer;
    try {
      answer =
          kms.decrypt(
              r ->
                  r.keyId(key.toString())
                      .ciphertextBlob(SdkBytes.fromByteArray(wrappedKey))
                      .encryptionAlgorithm(EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256));
    } catch (SdkException e) {
      throw KmsErrors.map(KmsCall.unwrap(KmsErrors.SERVICE, uri, "Decrypt"), e);
    }
    dev.envelope.core.spi.CallReference.record(answer.responseMetadata().requestId());
    byte[] dek = answer.plaintext().asByteArray();
    if (!key.matches(answer.keyId()) || dek.length != DATA_KEY_BYTES) {
      Arrays.fill(dek, (byte) 0);
      throw new AuthenticationException(
          "AWS KMS KEK "
              + uri
              + ": Decrypt answered for key "
              + answer.keyId()
              + " with "
              + dek.length
              + " bytes; expected "
              + key);
    }
    return SecretBytes.adopt(dek);
  }

  @Override
  public void close() {
    closed.close(onClose);
  }

  @Override
  public String toString() {
    return "RsaKmsKek[" + uri + "]";
  }
}
