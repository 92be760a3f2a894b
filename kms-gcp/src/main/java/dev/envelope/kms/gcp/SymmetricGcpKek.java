package dev.envelope.kms.gcp;

import com.google.cloud.kms.v1.DecryptRequest;
import com.google.cloud.kms.v1.DecryptResponse;
import com.google.cloud.kms.v1.EncryptRequest;
import com.google.cloud.kms.v1.EncryptResponse;
import com.google.cloud.kms.v1.KeyManagementServiceClient;
import com.google.protobuf.ByteString;
import dev.envelope.core.AuthenticationException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.CloseOnce;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KmsCall;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.util.Arrays;

/**
 * A Cloud KMS symmetric key: wrap = {@code Encrypt} with the wrap context as {@code
 * additionalAuthenticatedData}, unwrap = {@code Decrypt} with the same; CRC32C integrity fields
 * sent and verified both ways as Google asks of clients; the key version named in the answer
 * checked to belong to this key ({@code docs/FORMAT.md} §5.9).
 */
final class SymmetricGcpKek implements Kek {

  private final GcpKeyName key;
  private final KeyManagementServiceClient kms;
  private final Runnable onClose;
  private final CloseOnce closed;
  private final String identity;

  SymmetricGcpKek(
      GcpKeyName key, KeyManagementServiceClient kms, String identity, Runnable onClose) {
    this.key = key;
    this.identity = identity;
    this.kms = kms;
    this.onClose = onClose;
    this.closed = new CloseOnce(key.uri());
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
    return WrapAlgorithm.GCP_KMS;
  }

  @Override
  public byte[] wrap(SecretBytes dataKey, WrapContext context) {
    byte[] dek = dataKey.toByteArray();
    byte[] aad = context.associatedData();
    EncryptResponse answer;
    try {
      answer =
          kms.encrypt(
              EncryptRequest.newBuilder()
                  .setName(key.resource())
                  .setPlaintext(ByteString.copyFrom(dek))
                  .setPlaintextCrc32C(Crc32c.value(dek))
                  .setAdditionalAuthenticatedData(ByteString.copyFrom(aad))
                  .setAdditionalAuthenticatedDataCrc32C(Crc32c.value(aad))
                  .build());
    } catch (RuntimeException e) {
      throw GcpErrors.map(KmsCall.wrap(GcpErrors.SERVICE, key.uri(), "Encrypt"), e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
    byte[] ciphertext = answer.getCiphertext().toByteArray();
    if (!answer.getVerifiedPlaintextCrc32C()
        || !answer.getVerifiedAdditionalAuthenticatedDataCrc32C()
        || !Crc32c.matches(answer.getCiphertextCrc32C(), ciphertext)) {
      throw new KeyUnavailableException(
          "Cloud KMS KEK "
              + key.uri()
              + ": Encrypt's integrity"
              + " checks failed (request or response corrupted in transit)",
          true);
    }
    // The key version that answered: what Cloud Audit Logs name as the resource of this call.
    dev.envelope.core.spi.CallReference.record(answer.getName());
    if (!answer.getName().startsWith(key.resource() + "/cryptoKeyVersions/")) {
      throw new KeyUnavailableException(
          "Cloud KMS KEK " + key.uri() + ": Encrypt answered for " + answer.getName(), false);
    }
    return ciphertext;
  }

  @Override
  public SecretBytes unwrap(byte[] wrappedKey, WrapContext context) {
    byte[] aad = context.associatedData();
    DecryptResponse answer;
    try {
      answer =
          kms.decrypt(
              DecryptRequest.newBuilder()
                  .setName(key.resource())
                  .setCiphertext(ByteString.copyFrom(wrappedKey))
                  .setCiphertextCrc32C(Crc32c.value(wrappedKey))
                  .setAdditionalAuthenticatedData(ByteString.copyFrom(aad))
                  .setAdditionalAuthenticatedDataCrc32C(Crc32c.value(aad))
                  .build());
    } catch (RuntimeException e) {
      throw GcpErrors.map(KmsCall.unwrap(GcpErrors.SERVICE, key.uri(), "Decrypt"), e);
    }
    byte[] dek = answer.getPlaintext().toByteArray();
    if (!Crc32c.matches(answer.getPlaintextCrc32C(), dek)) {
      Arrays.fill(dek, (byte) 0);
      throw new KeyUnavailableException(
          "Cloud KMS KEK "
              + key.uri()
              + ": Decrypt's plaintext"
              + " does not match its CRC32C (corrupted in transit)",
          true);
    }
    if (dek.length != DATA_KEY_BYTES) {
      Arrays.fill(dek, (byte) 0);
      throw new AuthenticationException(
          "Cloud KMS KEK "
              + key.uri()
              + ": Decrypt returned "
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
    return "SymmetricGcpKek[" + key.uri() + "]";
  }
}
