package dev.envelope.kms.pkcs11;

import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.testing.KekContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;

/**
 * The KEK contract for {@code pkcs11://} against a real SoftHSM2 token: AES-256-GCM inside the
 * token with the wrap context as associated data.
 */
class Pkcs11KekContractTest extends KekContract {
  private static SoftHsm hsm;

  @BeforeAll
  static void softHsm() {
    hsm = SoftHsm.get();
  }

  @Override
  protected KekProvider provider() {
    return new Pkcs11KekProvider();
  }

  @Override
  protected String kekUri() {
    return "pkcs11://token=" + SoftHsm.TOKEN_A + ";object=kek";
  }

  @Override
  protected Map<String, String> settings() {
    try {
      return hsm.settings(SoftHsm.PIN_A);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected boolean bindsLogicalKey() {
    return true;
  }

  /** A token that is not plugged in: retryable, since it can be. */
  @Override
  protected Callable<Kek> unreachable() {
    return () ->
        provider()
            .open(
                "pkcs11://token=absent;object=kek",
                new ProviderSettings("contract", "pkcs11", settings()));
  }
}
