package dev.envelope.kms.aws;

import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.KmsCall;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SharedClients;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KeyUsageType;

/**
 * The {@code aws-kms://} KEKs: AWS KMS keys named by their full ARN, e.g. {@code
 * aws-kms://arn:aws:kms:eu-west-2:111122223333:key/1234abcd-…}. Symmetric keys wrap with {@code
 * Encrypt}/{@code Decrypt}; RSA keys wrap locally with their public key and unwrap in KMS.
 * Multi-Region keys are called through their replica in {@code region} when set.
 *
 * <p>Settings ({@code providers.aws-kms} in the local config, never in the shared policy):
 *
 * <pre>{@code
 * providers:
 *   aws-kms:
 *     credentials: web-identity     # default | web-identity (IRSA) | pod-identity | static
 *     roleArn: arn:aws:iam::111122223333:role/payments   # default: $AWS_ROLE_ARN
 *     webIdentityTokenFile: /var/run/secrets/eks.amazonaws.com/serviceaccount/token
 *     assumeRoleArn: arn:aws:iam::444455556666:role/kek-user   # optional, cross-account
 *     region: eu-west-2             # this cluster's region (Multi-Region keys)
 *     callTimeout: PT10S            # plus connectTimeout, attemptTimeout, maxAttempts
 * }</pre>
 *
 * <p>Opening a KEK calls {@code DescribeKey} once (key type, state); clients are shared by all KEKs
 * of one configuration, one per region. Found by {@link java.util.ServiceLoader} (module {@code
 * envelope-kms-aws}).
 */
public final class AwsKmsKekProvider implements KekProvider {
  /** The URI scheme served. */
  public static final String SCHEME = "aws-kms";

  private final UnaryOperator<String> environment;
  private final SharedClients<List<Object>, KmsClients> clients =
      new SharedClients<>(KmsClients::close);

  /** A provider reading workload-identity variables from the process environment. */
  public AwsKmsKekProvider() {
    this(System::getenv);
  }

  /** For tests: a provider with a given environment. */
  AwsKmsKekProvider(UnaryOperator<String> environment) {
    this.environment = environment;
  }

  @Override
  public Set<String> schemes() {
    return Set.of(SCHEME);
  }

  @Override
  public void validate(String uri) {
    KmsKeyArn.parse(uri);
  }

  @Override
  public Kek open(String uri, ProviderSettings settings) {
    KmsKeyArn arn = KmsKeyArn.parse(uri);
    AwsSettings config = AwsSettings.from(settings);
    KmsKeyArn call = arn.inRegion(config.region().orElse(null));
    String stsRegion = config.region().orElse(call.region());
    return clients.open(
        List.of(config, stsRegion),
        () -> new KmsClients(config, environment, stsRegion),
        (shared, release) -> open(uri, call, shared.kms(call.region()), release));
  }

  private static Kek open(String uri, KmsKeyArn call, KmsClient kms, Runnable release) {
    KeyMetadata meta;
    try {
      meta = kms.describeKey(r -> r.keyId(call.toString())).keyMetadata();
    } catch (SdkException e) {
      throw KmsErrors.map(KmsCall.lookup(KmsErrors.SERVICE, uri, "DescribeKey"), e);
    }
    if (meta.keyState() != KeyState.ENABLED) {
      throw new KeyUnavailableException(
          "AWS KMS KEK " + uri + ": the key is " + meta.keyStateAsString(), false);
    }
    if (meta.keyUsage() != KeyUsageType.ENCRYPT_DECRYPT) {
      throw new KeyUnavailableException(
          "AWS KMS KEK "
              + uri
              + ": the key's usage is "
              + meta.keyUsageAsString()
              + ", not ENCRYPT_DECRYPT",
          false);
    }
    if (meta.keySpec() == KeySpec.SYMMETRIC_DEFAULT) {
      return new SymmetricKmsKek(uri, call, kms, release);
    }
    if (meta.keySpecAsString().startsWith("RSA_")) {
      // Pin the key itself, not an alias that may be re-pointed later.
      KmsKeyArn own = call.isAlias() ? KmsKeyArn.parse(KmsKeyArn.PREFIX + meta.arn()) : call;
      return RsaKmsKek.open(uri, own, kms, release);
    }
    throw new KeyUnavailableException(
        "AWS KMS KEK "
            + uri
            + ": key spec "
            + meta.keySpecAsString()
            + " is not supported (SYMMETRIC_DEFAULT or RSA_*)",
        false);
  }

  @Override
  public String toString() {
    return "AwsKmsKekProvider[" + SCHEME + "]";
  }
}
