package dev.envelope.kek.hpke;

import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.testing.KekContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The KEK contract for {@code hpke://} with both suites (X25519 and X-Wing): the public key in the
 * URI, the private key in a file of this "cluster", HPKE's info = the wrap context.
 */
class HpkeKekContractTest {
  private static Path dir;
  private static String x25519;
  private static String xwing;

  @BeforeAll
  static void keys() throws Exception {
    dir = Files.createTempDirectory("hpke-contract");
    x25519 = HpkeKekProvider.generate("x25519", dir).uri();
    xwing = HpkeKekProvider.generate("xwing", dir).uri();
  }

  @AfterAll
  static void removeKeys() throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private abstract static class HpkeContract extends KekContract {
    @Override
    protected KekProvider provider() {
      return new HpkeKekProvider();
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
      return null; // the private key is a file: no backend to lose
    }
  }

  @Nested
  class X25519 extends HpkeContract {
    @Override
    protected String kekUri() {
      return x25519;
    }
  }

  @Nested
  class XWing extends HpkeContract {
    @Override
    protected String kekUri() {
      return xwing;
    }
  }
}
