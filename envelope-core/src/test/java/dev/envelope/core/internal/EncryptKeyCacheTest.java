package dev.envelope.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.DataKeyCacheLimits;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.spi.SecretBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The encrypt-side data key cache with its in-use map in front of Caffeine: a key that Caffeine
 * dropped, that a reload replaced or that is used up is never handed out again, from any thread.
 */
class EncryptKeyCacheTest {
  private final AtomicInteger made = new AtomicInteger();
  private final Map<DataKey, AtomicInteger> uses = new ConcurrentHashMap<>();

  private DataKey make(LogicalKey key, String reason) {
    made.incrementAndGet();
    DataKey dataKey =
        DataKey.forEncryption(SecretBytes.copyOf(new byte[32]), new byte[0], key.dataKeyCache());
    uses.put(dataKey, new AtomicInteger());
    return dataKey;
  }

  private static KeyPolicy policy(long maxMessages) {
    return KeyPolicy.builder()
        .key(
            "k",
            List.of("local://one"),
            List.of(),
            1,
            new DataKeyCacheLimits(Duration.ofDays(1), maxMessages, 1L << 40))
        .build();
  }

  @Test
  void aUsedUpKeyIsReplacedAfterExactlyMaxMessages() {
    LogicalKey key = policy(3).key("k").orElseThrow();
    try (EncryptKeyCache cache = new EncryptKeyCache(this::make, new Counters())) {
      List<DataKey> leased = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        DataKey dataKey = cache.lease(key, 10);
        leased.add(dataKey);
        dataKey.release();
      }
      assertThat(Set.copyOf(leased.subList(0, 3))).hasSize(1);
      assertThat(Set.copyOf(leased.subList(3, 6))).hasSize(1);
      assertThat(leased.get(3)).isNotSameAs(leased.get(0));
      assertThat(leased.get(0).isDestroyed()).as("the used-up key is zeroed").isTrue();
      assertThat(made.get()).isEqualTo(3);
    }
  }

  @Test
  void aKeyTheReloadReplacedIsNotLeasedAgain() {
    LogicalKey before = policy(1000).key("k").orElseThrow();
    try (EncryptKeyCache cache = new EncryptKeyCache(this::make, new Counters())) {
      DataKey first = cache.lease(before, 10);
      first.release();
      assertThat(cache.lease(before, 10)).isSameAs(first);
      first.release();

      KeyPolicy reloaded = policy(999); // same id, other settings: another LogicalKey
      cache.retainOnly(reloaded);
      assertThat(first.isDestroyed()).isTrue();
      DataKey next = cache.lease(reloaded.key("k").orElseThrow(), 10);
      assertThat(next).isNotSameAs(first);
      next.release();
      // A message still under the old policy gets a fresh key, never the retired one.
      DataKey old = cache.lease(before, 10);
      assertThat(old).isNotSameAs(first);
      assertThat(old.isDestroyed()).isFalse();
      old.release();
    }
  }

  @Test
  void closingRetiresTheKeyInUse() {
    LogicalKey key = policy(1000).key("k").orElseThrow();
    EncryptKeyCache cache = new EncryptKeyCache(this::make, new Counters());
    DataKey first = cache.lease(key, 10);
    first.release();
    cache.close();
    assertThat(first.isDestroyed()).isTrue();
  }

  @Test
  void eightThreadsNeverUseAKeyPastItsLimitOrAfterItWasZeroed() throws Exception {
    long maxMessages = 500;
    LogicalKey key = policy(maxMessages).key("k").orElseThrow();
    int threads = 8;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (EncryptKeyCache cache = new EncryptKeyCache(this::make, new Counters())) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  int zeroed = 0;
                  for (int i = 0; i < perThread; i++) {
                    DataKey dataKey = cache.lease(key, 100);
                    if (dataKey.isDestroyed()) {
                      zeroed++;
                    }
                    uses.get(dataKey).incrementAndGet();
                    dataKey.release();
                  }
                  return zeroed;
                }));
      }
      start.countDown();
      for (Future<Integer> result : results) {
        assertThat(result.get()).as("keys leased after they were zeroed").isZero();
      }
    } finally {
      pool.shutdownNow();
    }
    long total = uses.values().stream().mapToLong(AtomicInteger::get).sum();
    assertThat(total).isEqualTo((long) threads * perThread);
    assertThat(uses.values()).allSatisfy(n -> assertThat(n.get()).isLessThanOrEqualTo(500));
    // Striping may retire a key up to an eighth early (D35), never more.
    assertThat(made.get()).isLessThanOrEqualTo((int) (total / (maxMessages * 7 / 8)) + 1);
  }
}
