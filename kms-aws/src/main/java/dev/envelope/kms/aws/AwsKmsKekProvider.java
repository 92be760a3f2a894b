package dev.envelope.kms.aws;

import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekDescription;
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
        (shared, release) ->
            open(uri, call, shared.kms(call.region()), shared.identity().principal(), release));
  }

  /**
   * Who this cluster calls the key as (the configured identity, confirmed with STS {@code
   * GetCallerIdentity}), the endpoint and region, and the key's state and spec from {@code
   * DescribeKey}: works for a disabled key or a denied principal, which {@link #open} refuses.
   */
  @Override
  public KekDescription describe(String uri, ProviderSettings settings) {
    KmsKeyArn arn;
    AwsSettings config;
    try {
      arn = KmsKeyArn.parse(uri);
      config = AwsSettings.from(settings);
    } catch (RuntimeException e) {
      return KekDescription.unknown("invalid URI or settings: " + e.getMessage());
    }
    KmsKeyArn call = arn.inRegion(config.region().orElse(null));
    String stsRegion = config.region().orElse(call.region());
    AwsCredentialsFactory.Identity configured = AwsCredentialsFactory.identity(config, environment);
    KekDescription.Builder d =
        KekDescription.builder(configured.principal(), configured.source()).region(call.region());
    SharedClients.Lease<KmsClients> lease;
    try {
      lease =
          clients.acquire(
              List.of(config, stsRegion), () -> new KmsClients(config, environment, stsRegion));
    } catch (RuntimeException e) {
      return d.problem("cannot build the AWS clients: " + e.getMessage()).build();
    }
    try {
      KmsClients shared = lease.clients();
      d.endpoint(shared.endpoint(call.region()));
      try {
        d.confirmed(shared.callerArn());
      } catch (SdkException e) {
        d.problem(
            KmsErrors.map(KmsCall.lookup("AWS STS", uri, "GetCallerIdentity"), e).getMessage());
      }
      try {
        KeyMetadata meta =
            shared.kms(call.region()).describeKey(r -> r.keyId(call.toString())).keyMetadata();
        d.keyState(state(meta.keyState()))
            .keySpec(meta.keySpecAsString())
            .detail("keyState", meta.keyStateAsString())
            .detail("keyUsage", meta.keyUsageAsString())
            .detail("keyManager", meta.keyManagerAsString())
            .detail("multiRegion", String.valueOf(Boolean.TRUE.equals(meta.multiRegion())));
        if (meta.deletionDate() != null) {
          d.detail("deletionDate", meta.deletionDate().toString());
        }
        if (call.isAlias()) {
          d.detail("resolvedKey", meta.arn());
        }
      } catch (SdkException e) {
        d.problem(
            KmsErrors.map(KmsCall.lookup(KmsErrors.SERVICE, uri, "DescribeKey"), e).getMessage());
      }
    } finally {
      lease.release();
    }
    return d.build();
  }

  private static KekDescription.KeyState state(KeyState state) {
    if (state == null) {
      return KekDescription.KeyState.UNKNOWN;
    }
    return switch (state) {
      case ENABLED -> KekDescription.KeyState.ENABLED;
      case DISABLED -> KekDescription.KeyState.DISABLED;
      case PENDING_DELETION, PENDING_REPLICA_DELETION -> KekDescription.KeyState.PENDING_DELETION;
      default -> KekDescription.KeyState.UNKNOWN; // PendingImport, Unavailable, Creating, Updating
    };
  }

  private static Kek open(
      String uri, KmsKeyArn call, KmsClient kms, String identity, Runnable release) {
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
      return new SymmetricKmsKek(uri, call, kms, identity, release);
    }
    if (meta.keySpecAsString().startsWith("RSA_")) {
      // Pin the key itself, not an alias that may be re-pointed later.
      KmsKeyArn own = call.isAlias() ? KmsKeyArn.parse(KmsKeyArn.PREFIX + meta.arn()) : call;
      return RsaKmsKek.open(uri, own, kms, identity, release);
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
