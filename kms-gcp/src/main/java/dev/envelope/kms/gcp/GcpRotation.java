package dev.envelope.kms.gcp;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.kms.v1.CryptoKey;
import com.google.cloud.kms.v1.CryptoKeyVersion;
import com.google.cloud.kms.v1.KeyManagementServiceClient;
import com.google.protobuf.Timestamp;
import dev.envelope.core.spi.KeyRotation;
import java.time.Duration;
import java.time.Instant;

/**
 * A Cloud KMS key's rotation as Cloud KMS reports it: for a symmetric key, GetCryptoKey (its {@code
 * rotation_period}, {@code next_rotation_time} and the primary version's {@code create_time}); for
 * a pinned asymmetric version, GetCryptoKeyVersion (its {@code create_time}: asymmetric keys never
 * rotate automatically, and a pinned version never changes).
 */
final class GcpRotation {
  private GcpRotation() {}

  static KeyRotation of(KeyManagementServiceClient kms, GcpKeyName key) {
    try {
      if (key.version()) {
        CryptoKeyVersion v = kms.getCryptoKeyVersion(key.resource());
        return KeyRotation.manual(
            instant(v.getCreateTime()),
            "Cloud KMS GetCryptoKeyVersion create_time (a pinned asymmetric version does not"
                + " rotate)");
      }
      CryptoKey k = kms.getCryptoKey(key.resource());
      Instant created = k.hasPrimary() ? instant(k.getPrimary().getCreateTime()) : null;
      String evidence = "Cloud KMS GetCryptoKey";
      if (k.hasRotationPeriod() && k.getRotationPeriod().getSeconds() > 0) {
        return KeyRotation.automatic(
            Duration.ofSeconds(
                k.getRotationPeriod().getSeconds(), k.getRotationPeriod().getNanos()),
            k.hasNextRotationTime() ? instant(k.getNextRotationTime()) : null,
            created,
            evidence);
      }
      return KeyRotation.manual(created, evidence + " (no rotation_period)");
    } catch (ApiException e) {
      return KeyRotation.unknown(
          "Cloud KMS refused the rotation calls: " + e.getStatusCode().getCode());
    } catch (RuntimeException e) {
      return KeyRotation.unknown("Cloud KMS could not be reached: " + e.getClass().getSimpleName());
    }
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
