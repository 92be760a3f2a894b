package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data key caches, proven by call counts: N messages cost N / maxMessages wraps per KEK,
 * envelopes sharing a data key cost one unwrap, concurrent misses cost one call, and cached keys
 * are zeroed when dropped.
 */
class DataKeyCacheTest {
  private static final byte[] MESSAGE = new byte[100];
  private static final String A = "memory://a";
  private static final String B = "memory://b";

  @BeforeEach
  void setUp() {
    MemoryKekProvider.reset();
  }

  @AfterEach
  void tearDown() {
    MemoryKekProvider.reset();
  }

  private static Envelope envelope(DataKeyCacheLimits limits, String... keks) {
    return envelope(limits, LocalConfig.empty(), 2, keks);
  }

  private static Envelope envelope(
      DataKeyCacheLimits limits, LocalConfig config, int minWrap, String... keks) {
    KeyPolicy policy =
        KeyPolicy.builder()
            .key("k", List.of(keks), List.of(), Math.min(minWrap, keks.length), limits)
            .build();
    return Envelope.builder()
        .policy(policy)
        .localConfig(config)
        .provider(new MemoryKekProvider())
        .build();
  }

  private static DataKeyCacheLimits limits(long maxMessages) {
    return new DataKeyCacheLimits(Duration.ofHours(1), maxMessages, 1L << 40);
  }

  @Test
  void hundredThousandEncryptsWithMaxMessages10000CauseTenWrapsPerKek() {
    try (Envelope e = envelope(limits(10_000), A, B)) {
      for (int i = 0; i < 100_000; i++) {
        e.encrypt("k", MESSAGE, Map.of());
      }
      EnvelopeStats stats = e.stats();
      assertThat(stats.wrapCalls(A)).isEqualTo(10);
      assertThat(stats.wrapCalls(B)).isEqualTo(10);
      assertThat(stats.encryptCacheMisses()).isEqualTo(10);
      assertThat(stats.encryptCacheHits()).isEqualTo(99_990);
    }
  }

  @Test
  void thousandDecryptsOfEnvelopesSharingADataKeyCauseOneUnwrap() {
    try (Envelope e = envelope(limits(1_000_000), A)) {
      List<byte[]> sealed = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        sealed.add(e.encrypt("k", MESSAGE, Map.of("i", Integer.toString(i))));
      }
      for (int i = 0; i < 1000; i++) {
        assertThat(e.decrypt(sealed.get(i), Map.of("i", Integer.toString(i)))).isEqualTo(MESSAGE);
      }
      assertThat(e.stats().wrapCalls(A)).isEqualTo(1);
      assertThat(e.stats().unwrapCalls(A)).isEqualTo(1);
      assertThat(e.stats().decryptCacheHits()).isEqualTo(999);
    }
  }

  @Test
  void sixteenThreadsRacingOnAColdCacheCauseOneWrap() throws Exception {
    MemoryKekProvider.WRAP_DELAY_MILLIS.put(A, 300L);
    try (Envelope e = envelope(limits(1_000_000), A)) {
      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        List<Future<byte[]>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          Callable<byte[]> task =
              () -> {
                start.await();
                return e.encrypt("k", MESSAGE, Map.of());
              };
          results.add(pool.submit(task));
        }
        start.countDown();
        for (Future<byte[]> f : results) {
          assertThat(e.decrypt(f.get(), Map.of())).isEqualTo(MESSAGE);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(e.stats().wrapCalls(A)).isEqualTo(1);
    }
  }

  @Test
  void sixteenThreadsDecryptingOnAColdCacheCauseOneUnwrap() throws Exception {
    byte[] sealed;
    try (Envelope writer = envelope(limits(1_000_000), A)) {
      sealed = writer.encrypt("k", MESSAGE, Map.of());
    }
    try (Envelope e = envelope(limits(1_000_000), A)) {
      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        List<Future<byte[]>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    return e.decrypt(sealed, Map.of());
                  }));
        }
        start.countDown();
        for (Future<byte[]> f : results) {
          assertThat(f.get()).isEqualTo(MESSAGE);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(e.stats().unwrapCalls(A)).isEqualTo(1);
    }
  }

  @Test
  void anUnwrappedKeyIsNotUsedPastTheDecryptCacheTtl() throws Exception {
    LocalConfig shortTtl = LocalConfig.builder().decryptCache(100, Duration.ofMillis(200)).build();
    try (Envelope e = envelope(limits(1_000_000), shortTtl, 1, A)) {
      byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
      e.decrypt(sealed, Map.of());
      e.decrypt(sealed, Map.of());
      assertThat(e.stats().unwrapCalls(A)).isEqualTo(1);
      Thread.sleep(1500); // the TTL, plus the scheduler's tick
      e.decrypt(sealed, Map.of());
      assertThat(e.stats().unwrapCalls(A)).isEqualTo(2);
      assertThat(MemoryKekProvider.SEEN_KEYS.get(1).isDestroyed()).as("the expired key").isTrue();
    }
  }

  @Test
  void aDataKeyIsReplacedAfterMaxAge() throws Exception {
    try (Envelope e = envelope(new DataKeyCacheLimits(Duration.ofMillis(200), 1000, 1 << 20), A)) {
      e.encrypt("k", MESSAGE, Map.of());
      e.encrypt("k", MESSAGE, Map.of());
      assertThat(e.stats().wrapCalls(A)).isEqualTo(1);
      Thread.sleep(300);
      e.encrypt("k", MESSAGE, Map.of());
      assertThat(e.stats().wrapCalls(A)).isEqualTo(2);
    }
  }

  @Test
  void aDataKeyIsReplacedAfterMaxBytes() {
    try (Envelope e = envelope(new DataKeyCacheLimits(Duration.ofHours(1), 1000, 250), A)) {
      for (int i = 0; i < 3; i++) {
        e.encrypt("k", MESSAGE, Map.of()); // 100 bytes each: two fit in 250
      }
      assertThat(e.stats().wrapCalls(A)).isEqualTo(2);
    }
  }

  @Test
  void maxMessagesOneMeansAFreshDataKeyPerMessage() {
    try (Envelope e = envelope(limits(1), A)) {
      for (int i = 0; i < 5; i++) {
        e.encrypt("k", MESSAGE, Map.of());
      }
      assertThat(e.stats().wrapCalls(A)).isEqualTo(5);
      assertThat(MemoryKekProvider.SEEN_KEYS).hasSize(5).allMatch(k -> k.isDestroyed());
    }
  }

  @Test
  void cachedDataKeysAreZeroedOnClose() {
    Envelope e = envelope(limits(1_000_000), A);
    byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
    e.close();
    try (Envelope reader = envelope(limits(1_000_000), A)) {
      reader.decrypt(sealed, Map.of());
      assertThat(MemoryKekProvider.SEEN_KEYS).hasSize(2);
      assertThat(MemoryKekProvider.SEEN_KEYS.get(0).isDestroyed()).as("encrypt side").isTrue();
      assertThat(MemoryKekProvider.SEEN_KEYS.get(1).isDestroyed())
          .as("decrypt side, open")
          .isFalse();
    }
    assertThat(MemoryKekProvider.SEEN_KEYS.get(1).isDestroyed())
        .as("decrypt side, closed")
        .isTrue();
  }

  @Test
  void decryptCacheOffUnwrapsEveryTimeAndZeroesAtOnce() {
    LocalConfig noCache = LocalConfig.builder().decryptCache(0, Duration.ofMinutes(1)).build();
    try (Envelope e = envelope(limits(1_000_000), noCache, 1, A)) {
      byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
      e.decrypt(sealed, Map.of());
      e.decrypt(sealed, Map.of());
      assertThat(e.stats().unwrapCalls(A)).isEqualTo(2);
      assertThat(MemoryKekProvider.SEEN_KEYS.subList(1, 3)).allMatch(k -> k.isDestroyed());
    }
  }

  @Test
  void wrapsRunInParallelWithinTheDeadline() {
    MemoryKekProvider.WRAP_DELAY_MILLIS.put(B, 5_000L);
    LocalConfig fast = LocalConfig.builder().wrapTimeout(Duration.ofMillis(300)).build();
    try (Envelope e = envelope(limits(1_000_000), fast, 1, A, B)) {
      long start = System.nanoTime();
      byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(Envelope.inspect(sealed).recipients()).hasSize(1);
    }
    try (Envelope e = envelope(limits(1_000_000), fast, 2, A, B)) {
      assertThatThrownBy(() -> e.encrypt("k", MESSAGE, Map.of()))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, k -> assertThat(k.retryable()).isTrue())
          .hasMessageContaining("memory://b: did not wrap within wrapTimeout PT0.3S");
    }
  }

  @Test
  void aFailedWrapIsNotCachedAndIsRetried() {
    try (Envelope e = envelope(limits(1_000_000), LocalConfig.empty(), 1, "local://absent")) {
      assertThatThrownBy(() -> e.encrypt("k", MESSAGE, Map.of()))
          .isInstanceOf(KeyUnavailableException.class);
      assertThatThrownBy(() -> e.encrypt("k", MESSAGE, Map.of()))
          .isInstanceOf(KeyUnavailableException.class);
      assertThat(e.stats().encryptCacheMisses()).isEqualTo(2);
    }
  }

  @Test
  void policyDataKeyCacheParsesAndEnforcesHardCaps() {
    KeyPolicy p =
        KeyPolicy.parse(
            """
        version: 1
        keys:
          k:
            keks: [local://a]
            dataKeyCache: { maxAge: PT1M, maxMessages: 5000, maxBytes: 2GiB }
        """,
            "p.yaml");
    assertThat(p.key("k").orElseThrow().dataKeyCache())
        .isEqualTo(new DataKeyCacheLimits(Duration.ofMinutes(1), 5000, 2L << 30));
    assertThatThrownBy(
            () ->
                KeyPolicy.parse(
                    "version: 1\nkeys: {k: {keks: [local://a], dataKeyCache: {maxMessages: 4294967296}}}",
                    "p.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(
            "p.yaml: keys.k.dataKeyCache: dataKeyCache.maxMessages must be in 1..2147483648");
    assertThatThrownBy(
            () ->
                KeyPolicy.parse(
                    "version: 1\nkeys: {k: {keks: [local://a], dataKeyCache: {maxAge: 5 minutes}}}",
                    "p.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("keys.k.dataKeyCache.maxAge: not an ISO-8601 duration");
    assertThatThrownBy(
            () ->
                KeyPolicy.parse(
                    "version: 1\nkeys: {k: {keks: [local://a], dataKeyCache: {maxBytes: 2GB}}}",
                    "p.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("keys.k.dataKeyCache.maxBytes: must be a whole number of bytes");
  }
}
