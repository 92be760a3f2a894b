package dev.envelope.kms.aws;

import dev.envelope.core.InvalidPolicyException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ARN of an {@code aws-kms://} KEK: a key ({@code key/ID}) or an alias ({@code alias/NAME}),
 * e.g. {@code
 * aws-kms://arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab}. The
 * region comes from the ARN; bare key ids and alias names are refused because they would depend on
 * where the code runs.
 *
 * @param resourceType {@code key} or {@code alias}
 */
record KmsKeyArn(
    String partition, String region, String account, String resourceType, String resourceId) {
  static final String PREFIX = AwsKmsKekProvider.SCHEME + "://";
  private static final Pattern ARN =
      Pattern.compile(
          "arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):kms:([a-z]{2}(?:-[a-z]+)+-\\d{1,2}):(\\d{12}):"
              + "(key|alias)/([A-Za-z0-9/_-]{1,256})");

  static KmsKeyArn parse(String uri) {
    String arn = uri.startsWith(PREFIX) ? uri.substring(PREFIX.length()) : "";
    Matcher m = ARN.matcher(arn);
    if (!m.matches()) {
      throw new InvalidPolicyException(
          "key policy",
          "KEK " + uri,
          "an aws-kms KEK is"
              + " aws-kms://arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID or …:alias/NAME (a full ARN,"
              + " so that the region and account do not depend on where it runs)");
    }
    return new KmsKeyArn(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5));
  }

  boolean isAlias() {
    return resourceType.equals("alias");
  }

  /** Multi-Region keys have ids starting {@code mrk-} and the same id in every region. */
  boolean isMultiRegion() {
    return !isAlias() && resourceId.startsWith("mrk-");
  }

  /**
   * This key in {@code localRegion} if it is a Multi-Region key (its replica there), else itself: a
   * cluster calls the replica next to it rather than the primary's region.
   */
  KmsKeyArn inRegion(String localRegion) {
    return isMultiRegion() && localRegion != null
        ? new KmsKeyArn(partition, localRegion, account, resourceType, resourceId)
        : this;
  }

  /**
   * Whether KMS's answer names this key. Multi-Region keys match their replicas in other regions,
   * as AWS's own matching does ("MRK-aware").
   */
  boolean matches(String answeredArn) {
    KmsKeyArn other;
    try {
      other = parse(PREFIX + answeredArn);
    } catch (InvalidPolicyException e) {
      return false;
    }
    if (isMultiRegion()) {
      return other.isMultiRegion()
          && partition.equals(other.partition)
          && account.equals(other.account)
          && resourceId.equals(other.resourceId);
    }
    return equals(other);
  }

  /** Whether an answered key ARN is in this alias's account and region (what can be checked). */
  boolean sameAccountAndRegion(String answeredArn) {
    try {
      KmsKeyArn other = parse(PREFIX + answeredArn);
      return partition.equals(other.partition)
          && region.equals(other.region)
          && account.equals(other.account);
    } catch (InvalidPolicyException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "arn:"
        + partition
        + ":kms:"
        + region
        + ":"
        + account
        + ":"
        + resourceType
        + "/"
        + resourceId;
  }
}
