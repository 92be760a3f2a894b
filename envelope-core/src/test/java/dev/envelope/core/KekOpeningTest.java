package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Opening a KEK (often a KMS call) happens once, outside any map lock, with concurrent first
 * callers waiting for that one open; a failed open is not remembered.
 */
class KekOpeningTest {
  @BeforeEach
  void reset() {
    MemoryKekProvider.reset();
  }

  private static Envelope open(KeyPolicy policy) {
    return Envelope.builder().policy(policy).provider(new MemoryKekProvider()).build();
  }

  @Test
  void sixteenConcurrentFirstCallersCauseOneOpen() throws Exception {
    MemoryKekProvider.OPEN_DELAY_MILLIS.put("memory://slow-open", 200L);
    KeyPolicy policy = Fixture.policy("payments", "memory://slow-open");
    try (Envelope e = open(policy)) {
      ExecutorService pool = Executors.newFixedThreadPool(16);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<byte[]>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return e.encrypt("payments", new byte[] {1}, Map.of());
                }));
      }
      start.countDown();
      for (Future<byte[]> f : results) {
        assertThat(e.decrypt(f.get(), Map.of())).containsExactly(1);
      }
      pool.shutdown();
    }
    assertThat(MemoryKekProvider.CALLS).filteredOn(c -> c.startsWith("open ")).hasSize(1);
  }

  @Test
  void aFailedOpenIsTriedAgainByTheNextCall() {
    MemoryKekProvider.OPEN_FAILURES.put("memory://flaky", 1);
    KeyPolicy policy = Fixture.policy("payments", "memory://flaky");
    try (Envelope e = open(policy)) {
      assertThatThrownBy(() -> e.encrypt("payments", new byte[] {1}, Map.of()))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageContaining("not reachable yet");
      assertThat(e.decrypt(e.encrypt("payments", new byte[] {2}, Map.of()), Map.of()))
          .containsExactly(2);
    }
    assertThat(MemoryKekProvider.CALLS).filteredOn(c -> c.startsWith("open ")).hasSize(2);
  }
}
