package dev.envelope.kms.aws;

import dev.envelope.core.spi.KeyRotation;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.GetKeyRotationStatusResponse;
import software.amazon.awssdk.services.kms.model.RotationsListEntry;

/**
 * An AWS KMS key's rotation as KMS reports it: GetKeyRotationStatus (automatic rotation, its
 * period, the next date) and, for the age of the material in use, the newest ListKeyRotations entry
 * or else DescribeKey's CreationDate. Asymmetric keys do not rotate in KMS: their age is the key's
 * CreationDate.
 */
final class KmsRotation {
  private KmsRotation() {}

  static KeyRotation of(KmsClient kms, String keyArn, boolean symmetric) {
    try {
      Instant created = kms.describeKey(r -> r.keyId(keyArn)).keyMetadata().creationDate();
      if (!symmetric) {
        return KeyRotation.manual(
            created, "AWS KMS DescribeKey CreationDate (asymmetric keys do not rotate in KMS)");
      }
      Instant current = created;
      for (RotationsListEntry e : kms.listKeyRotationsPaginator(r -> r.keyId(keyArn)).rotations()) {
        if (e.rotationDate() != null && e.rotationDate().isAfter(current)) {
          current = e.rotationDate();
        }
      }
      GetKeyRotationStatusResponse status = kms.getKeyRotationStatus(r -> r.keyId(keyArn));
      String evidence = "AWS KMS GetKeyRotationStatus, ListKeyRotations, DescribeKey";
      if (Boolean.TRUE.equals(status.keyRotationEnabled())
          && status.rotationPeriodInDays() != null) {
        return KeyRotation.automatic(
            Duration.ofDays(status.rotationPeriodInDays()),
            status.nextRotationDate(),
            current,
            evidence);
      }
      return KeyRotation.manual(current, evidence + " (automatic rotation off)");
    } catch (AwsServiceException e) {
      return KeyRotation.unknown(
          "AWS KMS refused the rotation calls: "
              + (e.awsErrorDetails() != null ? e.awsErrorDetails().errorCode() : e.statusCode()));
    } catch (SdkException e) {
      return KeyRotation.unknown("AWS KMS could not be reached: " + e.getClass().getSimpleName());
    }
  }
}
