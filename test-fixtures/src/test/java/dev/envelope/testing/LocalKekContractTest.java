package dev.envelope.testing;

import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The KEK contract for {@code local://} (AES-KWP under a key file). */
class LocalKekContractTest extends KekContract {
  @TempDir static Path dir;

  @BeforeAll
  static void createKey() throws Exception {
    LocalKekProvider.generate(dir.resolve("contract.key"));
  }

  @Override
  protected KekProvider provider() {
    return new LocalKekProvider();
  }

  @Override
  protected String kekUri() {
    return "local://contract";
  }

  @Override
  protected Map<String, String> settings() {
    return Map.of("dir", dir.toString());
  }

  @Override
  protected boolean bindsLogicalKey() {
    return false; // AES-KWP takes no associated data (FORMAT.md §5.1)
  }

  @Override
  protected Callable<Kek> unreachable() {
    return null;
  }
}
