package dev.envelope.jmh;

import dev.envelope.core.DataKeyCacheLimits;
import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.audit.AuditSink;
import dev.envelope.core.audit.Slf4jAuditSink;
import dev.envelope.core.local.LocalKekProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * The audit trail's cost on the cached {@code byte[]} path: no sink ({@code off}), a sink with the
 * default events only ({@code kek-calls}: none on a cache hit), and per-message events ({@code
 * messages}). The sink renders each event to its JSON line, as the SLF4J sink does for a JSON
 * encoder, on the facade's audit thread; events it could not keep up with are dropped and counted
 * (printed at the end of each trial), which bounds what the caller pays.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AuditBenchmark {
  @Param({"64", "1024"})
  int size;

  @Param({"off", "kek-calls", "messages"})
  String audit;

  private static final Map<String, String> CONTEXT = Map.of("tenant", "acme");
  private final LongAdder rendered = new LongAdder();
  private Path dir;
  private Envelope envelope;
  private byte[] plaintext;
  private byte[] sealed;

  @Setup
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("envelope-jmh-audit-");
    LocalKekProvider.generate(dir.resolve("bench.key"));
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "warm",
                List.of("local://bench"),
                List.of(),
                1,
                new DataKeyCacheLimits(
                    Duration.ofDays(1),
                    DataKeyCacheLimits.MAX_MESSAGES_CAP,
                    DataKeyCacheLimits.MAX_BYTES_CAP))
            .build();
    AuditSink sink = event -> rendered.add(Slf4jAuditSink.json(event.fields()).length());
    Envelope.Builder b =
        Envelope.builder()
            .policy(policy)
            .localConfig(
                LocalConfig.builder().provider("local", Map.of("dir", dir.toString())).build());
    if (!audit.equals("off")) {
      b.audit(sink).auditMessages(audit.equals("messages"));
    }
    envelope = b.build();
    plaintext = Payloads.of(size);
    sealed = envelope.encrypt("warm", plaintext, CONTEXT);
  }

  @TearDown
  public void tearDown() throws Exception {
    System.out.printf(
        "%naudit=%s: %d events to the sink, %d dropped%n",
        audit, envelope.stats().auditEvents(), envelope.stats().auditDropped());
    envelope.close();
    Files.deleteIfExists(dir.resolve("bench.key"));
    Files.deleteIfExists(dir);
  }

  @Benchmark
  public byte[] encrypt() {
    return envelope.encrypt("warm", plaintext, CONTEXT);
  }

  @Benchmark
  public byte[] decrypt() {
    return envelope.decrypt(sealed, CONTEXT);
  }
}
