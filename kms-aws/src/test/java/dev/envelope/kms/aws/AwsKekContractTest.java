package dev.envelope.kms.aws;

import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.testing.KekContract;
import dev.envelope.testing.LoopbackServer;
import dev.envelope.testing.aws.AwsIdentities;
import dev.envelope.testing.aws.FakeAwsKms;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The KEK contract for {@code aws-kms://} against the loopback KMS (SigV4 checked): a symmetric key
 * (Encrypt/Decrypt with the logical key in the encryption context) and an RSA key (local
 * RSA-OAEP-256, Decrypt in KMS; no associated data).
 */
class AwsKekContractTest {
  private static final String REGION = "eu-west-2";
  private static FakeAwsKms kms;
  private static AwsIdentities.Credentials user;

  @BeforeAll
  static void start() {
    AwsIdentities identities = new AwsIdentities();
    kms = new FakeAwsKms(identities);
    user = identities.addUser("contract");
  }

  @AfterAll
  static void stop() {
    kms.close();
  }

  private static KekProvider provider() {
    Map<String, String> env =
        Map.of(
            "AWS_ACCESS_KEY_ID",
            user.accessKeyId(),
            "AWS_SECRET_ACCESS_KEY",
            user.secretAccessKey());
    return new AwsKmsKekProvider(env::get);
  }

  private static Map<String, String> settings(String endpoint) {
    Map<String, String> s = new HashMap<>();
    s.put("credentials", "static");
    s.put(ProviderSettings.ENDPOINT, endpoint);
    s.put(ProviderSettings.CALL_TIMEOUT, "PT5S");
    return s;
  }

  private static Callable<Kek> unreachable(String uri) {
    return () -> {
      int port = LoopbackServer.unusedPort();
      Map<String, String> s = settings("http://127.0.0.1:" + port);
      s.put(ProviderSettings.MAX_ATTEMPTS, "1");
      return provider().open(uri, new ProviderSettings("contract", "aws-kms", s));
    };
  }

  /** What both AWS key kinds share: the provider, the settings, an unreachable endpoint. */
  private abstract static class AwsContract extends KekContract {
    @Override
    protected KekProvider provider() {
      return AwsKekContractTest.provider();
    }

    @Override
    protected Map<String, String> settings() {
      return AwsKekContractTest.settings(kms.endpoint().toString());
    }

    @Override
    protected Callable<Kek> unreachable() {
      return AwsKekContractTest.unreachable(kekUri());
    }
  }

  @Nested
  class SymmetricKey extends AwsContract {
    private final String uri = "aws-kms://" + kms.createSymmetricKey(REGION);

    @Override
    protected String kekUri() {
      return uri;
    }

    @Override
    protected boolean bindsLogicalKey() {
      return true; // the encryption context {"envelope:key": kid}
    }
  }

  @Nested
  class RsaKey extends AwsContract {
    private final String uri = "aws-kms://" + kms.createRsaKey(REGION);

    @Override
    protected String kekUri() {
      return uri;
    }

    @Override
    protected boolean bindsLogicalKey() {
      return false; // RSA-OAEP without a label (FORMAT.md §5.5)
    }
  }
}
