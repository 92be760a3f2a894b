package dev.envelope.kms.aws;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
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
  private static final OAEPParameterSpec OAEP_SHA256 = new OAEPParameterSpec(
      "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);
  private static final int MIN_MODULUS_BITS = 2048;
  private static final int DEK_BYTES = 32;

  private final String uri;
  private final KmsKeyArn key;
  private final KmsClient kms;
  private final RSAPublicKey publicKey;
  private final Runnable onClose;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RsaKmsKek(String uri, KmsKeyArn key, KmsClient kms, RSAPublicKey publicKey,
      Runnable onClose) {
    this.uri = uri;
    this.key = key;
    this.kms = kms;
    this.publicKey = publicKey;
    this.onClose = onClose;
  }

  /**
   * Fetches and checks the public key.
   *
   * @param key the key's own ARN (an alias resolved by DescribeKey, so unwrap pins the key)
   */
  static RsaKmsKek open(String uri, KmsKeyArn key, KmsClient kms, Runnable onClose) {
    GetPublicKeyResponse answer;
    try {
      answer = kms.getPublicKey(r -> r.keyId(key.toString()));
    } catch (SdkException e) {
      throw KmsErrors.map(uri, "GetPublicKey", e, false);
    }
    if (!answer.encryptionAlgorithms().contains(EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256)) {
      throw new KeyUnavailableException("AWS KMS KEK " + uri + ": the key does not offer"
          + " RSAES_OAEP_SHA_256 (its usage must be ENCRYPT_DECRYPT)", false);
    }
    try {
      RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
          .generatePublic(new X509EncodedKeySpec(answer.publicKey().asByteArray()));
      if (publicKey.getModulus().bitLength() < MIN_MODULUS_BITS) {
        throw new KeyUnavailableException("AWS KMS KEK " + uri + ": RSA keys under "
            + MIN_MODULUS_BITS + " bits are refused", false);
      }
      return new RsaKmsKek(uri, key, kms, publicKey, onClose);
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new KeyUnavailableException("AWS KMS KEK " + uri + ": GetPublicKey answered a key that"
          + " is not an RSA SubjectPublicKeyInfo", false, e);
    }
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
    byte[] dek = dataKey.toByteArray();
    try {
      Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
      oaep.init(Cipher.ENCRYPT_MODE, publicKey, OAEP_SHA256);
      return oaep.doFinal(dek);
    } catch (GeneralSecurityException e) {
      throw new KeyUnavailableException("AWS KMS KEK " + uri + ": RSA-OAEP failed: "
          + e.getClass().getSimpleName(), false, e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  @Override
  public SecretBytes unwrap(byte[] wrappedKey, WrapContext context) {
    DecryptResponse answer;
    try {
      answer = kms.decrypt(r -> r.keyId(key.toString())
          .ciphertextBlob(SdkBytes.fromByteArray(wrappedKey))
          .encryptionAlgorithm(EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256));
    } catch (SdkException e) {
      throw KmsErrors.map(uri, "unwrap (Decrypt)", e, true);
    }
    byte[] dek = answer.plaintext().asByteArray();
    if (!key.matches(answer.keyId()) || dek.length != DEK_BYTES) {
      Arrays.fill(dek, (byte) 0);
      throw new AuthenticationException("AWS KMS KEK " + uri + ": Decrypt answered for key "
          + answer.keyId() + " with " + dek.length + " bytes; expected " + key);
    }
    return SecretBytes.adopt(dek);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      onClose.run();
    }
  }

  @Override
  public String toString() {
    return "RsaKmsKek[" + uri + "]";
  }
}
