package dev.envelope.testing;

import dev.envelope.core.local.TinkKeysetKekProvider;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The KEK contract for {@code tink-keyset://} (a Tink AEAD keyset in a file). */
class TinkKeysetKekContractTest extends KekContract {
  @TempDir static Path dir;

  @BeforeAll
  static void createKeyset() throws Exception {
    TinkKeysetKekProvider.generate(dir.resolve("contract.json"));
  }

  @Override
  protected KekProvider provider() {
    return new TinkKeysetKekProvider();
  }

  @Override
  protected String kekUri() {
    return "tink-keyset://contract";
  }

  @Override
  protected Map<String, String> settings() {
    return Map.of("dir", dir.toString());
  }

  @Override
  protected boolean bindsLogicalKey() {
    return true;
  }

  @Override
  protected Callable<Kek> unreachable() {
    return null;
  }
}
