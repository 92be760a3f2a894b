package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link KekCircuit}: a dead preferred KEK costs its timeout a few times, then nothing. */
class KekCircuitTest {
  private Fixture fixture;
  private final AtomicBoolean down = new AtomicBoolean();

  @BeforeEach
  void setUp() {
    fixture = new Fixture();
    MemoryKekProvider.reset();
    // "Hung": each call takes 200 ms and then fails as unreachable (retryable), as a timeout does.
    MemoryKekProvider.UNWRAP_FAILURES.put(
        "memory://remote",
        () -> {
          if (!down.get()) {
            return null;
          }
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return new KeyUnavailableException("memory KEK: timed out", true);
        });
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private Envelope open(KeyPolicy policy, KekCircuit circuit) {
    return Envelope.builder()
        .policy(policy)
        .localConfig(
            LocalConfig.builder()
                .prefer("memory")
                .provider("local", Map.of("dir", fixture.dir.toString()))
                .kekCircuit(circuit)
                .build())
        .provider(new MemoryKekProvider())
        .build();
  }

  private List<byte[]> sealEach(KeyPolicy policy, int n) {
    List<byte[]> out = new ArrayList<>();
    try (Envelope e = open(policy, KekCircuit.OFF)) {
      for (int i = 0; i < n; i++) {
        out.add(e.encrypt("etcd", new byte[] {(byte) i}, Map.of()));
      }
    }
    return out;
  }

  private static long millis(Runnable r) {
    long start = System.nanoTime();
    r.run();
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void afterThreeFailuresTheDeadKekIsSkippedAndABackgroundProbeClosesTheCircuit() throws Exception {
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "etcd",
                List.of("memory://remote", fixture.local("local")),
                List.of(),
                1,
                new DataKeyCacheLimits(Duration.ofMinutes(5), 1, 1L << 30))
            .build();
    List<byte[]> sealed = sealEach(policy, 10); // each its own data key: every decrypt unwraps
    down.set(true);
    KekCircuit circuit = new KekCircuit(true, 3, Duration.ofMinutes(5), Duration.ofMillis(100));
    try (Envelope e = open(policy, circuit)) {
      List<Long> times = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        byte[] s = sealed.get(i);
        times.add(millis(() -> assertThat(e.decrypt(s, Map.of())).hasSize(1)));
      }
      // The first three wait for the dead KEK, then it is skipped: straight to the local KEK.
      assertThat(times.subList(0, 3)).allSatisfy(t -> assertThat(t).isGreaterThanOrEqualTo(190));
      assertThat(times.subList(3, 6)).allSatisfy(t -> assertThat(t).isLessThan(100));
      long calls =
          MemoryKekProvider.CALLS.stream().filter(c -> c.equals("unwrap memory://remote")).count();
      assertThat(calls).isEqualTo(3);

      // The KMS comes back: the probe (every 100 ms) closes the circuit without a caller paying.
      down.set(false);
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      long before = e.stats().unwrapCalls("memory://remote");
      byte[] next = sealed.get(6);
      while (true) {
        e.decrypt(next, Map.of());
        if (e.stats().unwrapCalls("memory://remote") > before) {
          break; // decrypts use the preferred KEK again
        }
        assertThat(System.nanoTime()).as("the circuit closes").isLessThan(deadline);
        Thread.sleep(50);
        next = sealed.get(7 + (int) (System.nanoTime() % 3));
      }
    }
  }

  @Test
  void offMeansEveryDecryptWaitsForTheDeadKek() {
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "etcd",
                List.of("memory://remote", fixture.local("local")),
                List.of(),
                1,
                new DataKeyCacheLimits(Duration.ofMinutes(5), 1, 1L << 30))
            .build();
    List<byte[]> sealed = sealEach(policy, 5);
    down.set(true);
    try (Envelope e = open(policy, KekCircuit.OFF)) {
      for (byte[] s : sealed) {
        assertThat(millis(() -> e.decrypt(s, Map.of()))).isGreaterThanOrEqualTo(190);
      }
    }
  }

  @Test
  void answersThatAreRefusalsDoNotOpenTheCircuitAndTheSettingsParse() {
    LocalConfig parsed =
        LocalConfig.parse(
            "version: 1\nkekCircuit: {failures: 5, coolDown: PT1M, probeInterval: PT2S}\n", "t");
    assertThat(parsed.kekCircuit())
        .isEqualTo(new KekCircuit(true, 5, Duration.ofMinutes(1), Duration.ofSeconds(2)));
    assertThat(LocalConfig.parse("version: 1\nkekCircuit: off\n", "t").kekCircuit().enabled())
        .isFalse();
    assertThat(LocalConfig.empty().kekCircuit()).isEqualTo(KekCircuit.DEFAULTS);
    assertThatThrownBy(() -> LocalConfig.parse("version: 1\nkekCircuit: {failures: 0}\n", "t"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("kekCircuit.failures");
    // A KEK that answers "not authentic" is up: it never opens.
    MemoryKekProvider.UNWRAP_FAILURES.put(
        "memory://remote", () -> new AuthenticationException("memory: tag mismatch"));
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "etcd",
                List.of("memory://remote", fixture.local("local2")),
                List.of(),
                1,
                new DataKeyCacheLimits(Duration.ofMinutes(5), 1, 1L << 30))
            .build();
    List<byte[]> sealed = sealEach(policy, 6);
    try (Envelope e = open(policy, KekCircuit.DEFAULTS)) {
      for (byte[] s : sealed) {
        e.decrypt(s, Map.of());
      }
    }
    assertThat(
            MemoryKekProvider.CALLS.stream()
                .filter(c -> c.equals("unwrap memory://remote"))
                .count())
        .isEqualTo(6);
  }
}
