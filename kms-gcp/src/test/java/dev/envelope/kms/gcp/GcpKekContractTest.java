package dev.envelope.kms.gcp;

import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.testing.KekContract;
import dev.envelope.testing.SelfSignedTls;
import dev.envelope.testing.gcp.FakeCloudKms;
import dev.envelope.testing.gcp.FakeGoogleSts;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The KEK contract for {@code gcp-kms://} with the real Cloud KMS client and google-auth against
 * the in-process gRPC fake and the HTTPS STS fake (workload identity federation): a symmetric key
 * (Encrypt/Decrypt with the wrap context as AAD) and an RSA_DECRYPT_OAEP_3072_SHA256 key version.
 */
class GcpKekContractTest {
  private static final String AUDIENCE =
      "//iam.googleapis.com/projects/123456789/locations/global"
          + "/workloadIdentityPools/envelope-pool/providers/contract";

  private static FakeGoogleSts sts;
  private static FakeCloudKms kms;
  private static Path home;
  private static Path credentialConfig;

  @BeforeAll
  static void start() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create();
    tls.installAsDefault();
    sts = new FakeGoogleSts(tls);
    kms = new FakeCloudKms(sts);
    home = Files.createTempDirectory("gcp-contract");
    Path token = home.resolve("token");
    Files.writeString(token, "eyJhbGciOiJSUzI1NiJ9.k8s-service-account.sig");
    sts.trust(AUDIENCE, token);
    credentialConfig = home.resolve("credential-configuration.json");
    Files.writeString(
        credentialConfig,
        """
        {"type": "external_account", "audience": "%s",
         "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
         "token_url": "%s", "credential_source": {"file": "%s"}}
        """
            .formatted(AUDIENCE, sts.tokenUrl(), token));
  }

  @AfterAll
  static void stop() throws Exception {
    kms.close();
    sts.close();
    try (var files = Files.list(home)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(home);
  }

  private static KekProvider provider(String channel) {
    return new GcpKmsKekProvider(
        settings ->
            FixedTransportChannelProvider.create(
                GrpcTransportChannel.create(InProcessChannelBuilder.forName(channel).build())));
  }

  private static Map<String, String> settings() {
    Map<String, String> s = new HashMap<>();
    s.put("credentials", "external-account");
    s.put("credentialsFile", credentialConfig.toString());
    s.put(ProviderSettings.CALL_TIMEOUT, "PT3S");
    s.put(ProviderSettings.ATTEMPT_TIMEOUT, "PT1S");
    return s;
  }

  /** A channel to an in-process server name nobody serves: every call is UNAVAILABLE. */
  private static Callable<Kek> unreachable(String uri) {
    return () ->
        provider("nobody-serves-" + uri.hashCode())
            .open(uri, new ProviderSettings("contract", "gcp-kms", settings()));
  }

  /** What both Cloud KMS key kinds share: the provider, the settings, an unserved channel. */
  private abstract static class GcpContract extends KekContract {
    @Override
    protected KekProvider provider() {
      return GcpKekContractTest.provider(kms.inProcessName());
    }

    @Override
    protected Map<String, String> settings() {
      return GcpKekContractTest.settings();
    }

    @Override
    protected Callable<Kek> unreachable() {
      return GcpKekContractTest.unreachable(kekUri());
    }
  }

  @Nested
  class SymmetricKey extends GcpContract {
    private final String uri =
        "gcp-kms://" + kms.createSymmetricKey("envelope-prod", "europe-west1", "contract", "sym");

    @Override
    protected String kekUri() {
      return uri;
    }

    @Override
    protected boolean bindsLogicalKey() {
      return true;
    }
  }

  @Nested
  class RsaKeyVersion extends GcpContract {
    private final String uri =
        "gcp-kms://" + kms.createRsaKeyVersion("envelope-prod", "europe-west1", "contract", "rsa");

    @Override
    protected String kekUri() {
      return uri;
    }

    @Override
    protected boolean bindsLogicalKey() {
      return false;
    }
  }
}
