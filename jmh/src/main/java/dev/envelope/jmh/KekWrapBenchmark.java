package dev.envelope.jmh;

import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapContext;
import dev.envelope.kek.hpke.HpkeKekProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One data-key wrap and unwrap per operation, through the KEK SPI: the symmetric {@code local://}
 * KEK (AES-KWP) beside the asymmetric {@code hpke://} KEKs, X25519 and the hybrid post-quantum
 * X-Wing. This is the cost paid once per data key (not per message while the cache holds it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class KekWrapBenchmark {
  @Param({"local-aes-kwp", "hpke-x25519", "hpke-xwing"})
  String kek;

  private static final WrapContext CONTEXT = new WrapContext("payments");
  private Path dir;
  private Kek opened;
  private SecretBytes dataKey;
  private byte[] wrapped;

  @Setup
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("envelope-jmh-kek-");
    KekProvider provider;
    String uri;
    switch (kek) {
      case "local-aes-kwp" -> {
        LocalKekProvider.generate(dir.resolve("bench.key"));
        provider = new LocalKekProvider();
        uri = "local://bench";
      }
      case "hpke-x25519" -> {
        provider = new HpkeKekProvider();
        uri = HpkeKekProvider.generate("x25519", dir).uri();
      }
      case "hpke-xwing" -> {
        provider = new HpkeKekProvider();
        uri = HpkeKekProvider.generate("xwing", dir).uri();
      }
      default -> throw new IllegalArgumentException(kek);
    }
    String scheme = uri.substring(0, uri.indexOf("://"));
    opened = provider.open(uri, new ProviderSettings("jmh", scheme, Map.of("dir", dir.toString())));
    byte[] dek = new byte[32];
    new SecureRandom().nextBytes(dek);
    dataKey = SecretBytes.adopt(dek);
    wrapped = opened.wrap(dataKey, CONTEXT);
    opened.unwrap(wrapped, CONTEXT); // loads the private key outside the measurement
  }

  @Benchmark
  public byte[] wrap() {
    return opened.wrap(dataKey, CONTEXT);
  }

  @Benchmark
  public SecretBytes unwrap() {
    return opened.unwrap(wrapped, CONTEXT);
  }

  @TearDown
  public void tearDown() throws Exception {
    opened.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
