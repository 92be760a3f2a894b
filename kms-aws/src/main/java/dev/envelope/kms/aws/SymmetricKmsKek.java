package dev.envelope.kms.aws;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.CallReference;
import dev.envelope.core.spi.CloseOnce;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KmsCall;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.util.Arrays;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptResponse;

/**
 * A symmetric AWS KMS key: wrap = {@code Encrypt}, unwrap = {@code Decrypt} with the same
 * encryption context {@code {"envelope:key": logicalKeyId}} and the key pinned ({@code KeyId}), the
 * key named in each answer checked against the configured one ({@code docs/FORMAT.md} §5.4).
 */
final class SymmetricKmsKek implements Kek {
  /** The encryption-context key binding a wrapped data key to its logical key. */
  static final String CONTEXT_KEY = "envelope:key";

  private final String uri;
  private final KmsKeyArn key;
  private final KmsClient kms;
  private final Runnable onClose;
  private final CloseOnce closed;
  private final String identity;

  /**
   * @param key the key to call: the policy's ARN, or its replica in this cluster's region
   */
  SymmetricKmsKek(String uri, KmsKeyArn key, KmsClient kms, String identity, Runnable onClose) {
    this.uri = uri;
    this.identity = identity;
    this.key = key;
    this.kms = kms;
    this.onClose = onClose;
    this.closed = new CloseOnce(uri);
  }

  @Override
  public dev.envelope.core.spi.KeyRotation rotation() {
    return KmsRotation.of(kms, key.toString(), true);
  }

  @Override
  public String identity() {
    return identity;
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public WrapAlgorithm algorithm() {
    return WrapAlgorithm.AWS_KMS;
  }

  @Override
  public byte[] wrap(SecretBytes dataKey, WrapContext context) {
    byte[] dek = dataKey.toByteArray();
    EncryptResponse answer;
    try {
      answer =
          kms.encrypt(
              r ->
                  r.keyId(key.toString())
                      .plaintext(SdkBytes.fromByteArrayUnsafe(dek))
                      .encryptionContext(Map.of(CONTEXT_KEY, context.logicalKeyId())));
    } catch (SdkException e) {
      throw KmsErrors.map(KmsCall.wrap(KmsErrors.SERVICE, uri, "Encrypt"), e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
    CallReference.record(answer.responseMetadata().requestId());
    if (!answers(answer.keyId())) {
      throw new KeyUnavailableException(
          "AWS KMS KEK " + uri + ": Encrypt answered for key " + answer.keyId() + ", not " + key,
          false);
    }
    return answer.ciphertextBlob().asByteArray();
  }

  @Override
  public SecretBytes unwrap(byte[] wrappedKey, WrapContext context) {
    DecryptResponse answer;
    try {
      answer =
          kms.decrypt(
              r -> {
                r.ciphertextBlob(SdkBytes.fromByteArray(wrappedKey))
                    .encryptionContext(Map.of(CONTEXT_KEY, context.logicalKeyId()));
                // Pinning makes KMS refuse a blob of any other key. An alias cannot be pinned: it
                // may
                // point at a newer key than the one that wrapped; the answer is checked instead.
                if (!key.isAlias()) {
                  r.keyId(key.toString());
                }
              });
    } catch (SdkException e) {
      throw KmsErrors.map(KmsCall.unwrap(KmsErrors.SERVICE, uri, "Decrypt"), e);
    }
    CallReference.record(answer.responseMetadata().requestId());
    byte[] dek = answer.plaintext().asByteArray();
    if (!answers(answer.keyId()) || dek.length != DATA_KEY_BYTES) {
      Arrays.fill(dek, (byte) 0);
      throw new AuthenticationException(
          "AWS KMS KEK "
              + uri
              + ": Decrypt answered for key "
              + answer.keyId()
              + " with "
              + dek.length
              + " bytes; expected "
              + key
              + " and a "
              + DATA_KEY_BYTES
              + "-byte data key");
    }
    return SecretBytes.adopt(dek);
  }

  private boolean answers(String answeredKeyArn) {
    return key.isAlias() ? key.sameAccountAndRegion(answeredKeyArn) : key.matches(answeredKeyArn);
  }

  @Override
  public void close() {
    closed.close(onClose);
  }

  @Override
  public String toString() {
    return "SymmetricKmsKek[" + uri + "]";
  }
}
