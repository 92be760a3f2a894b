package dev.envelope.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The striped message budget of a data key: never more than its limits from any number of threads,
 * exactly its limits from one thread, and the first-message and stream rules of {@code maxBytes}.
 */
class MessageBudgetTest {

  @Test
  void oneThreadGetsExactlyMaxMessages() {
    for (long max : new long[] {1, 2, 3, 10, 255, 256, 257, 10_000}) {
      MessageBudget budget = new MessageBudget(max, Long.MAX_VALUE);
      long taken = 0;
      while (budget.tryTake(100)) {
        taken++;
      }
      assertThat(taken).as("maxMessages %d", max).isEqualTo(max);
      assertThat(budget.tryTake(0)).isFalse();
    }
  }

  @Test
  void oneThreadGetsExactlyMaxBytes() {
    MessageBudget budget = new MessageBudget(Long.MAX_VALUE, 1000);
    int taken = 0;
    while (budget.tryTake(10)) {
      taken++;
    }
    assertThat(taken).isEqualTo(100);

    MessageBudget uneven = new MessageBudget(Long.MAX_VALUE, 1 << 20);
    long bytes = 0;
    for (int size = 1; uneven.tryTake(size); size = size * 3 % 70_001 + 1) {
      bytes += size;
    }
    assertThat(bytes).isLessThanOrEqualTo(1 << 20).isGreaterThan((1 << 20) - 70_001);
  }

  @Test
  void aFirstMessageMayExceedMaxBytesAndNothingFollowsIt() {
    MessageBudget budget = new MessageBudget(100, 1000);
    assertThat(budget.tryTake(5000)).isTrue();
    assertThat(budget.tryTake(1)).isFalse();
    assertThat(budget.tryTake(0)).as("a stream starts only below maxBytes").isFalse();

    MessageBudget second = new MessageBudget(100, 1000);
    assertThat(second.tryTake(10)).isTrue();
    assertThat(second.tryTake(5000)).as("only the first message may exceed").isFalse();
    assertThat(second.tryTake(990)).isTrue();
    assertThat(second.tryTake(1)).isFalse();
  }

  @Test
  void streamBytesCountAgainstTheKey() {
    MessageBudget budget = new MessageBudget(100, 1 << 20);
    assertThat(budget.tryTake(0)).isTrue();
    budget.addBytes(1 << 20);
    assertThat(budget.tryTake(0)).isFalse();
    assertThat(budget.tryTake(1)).isFalse();

    MessageBudget held = new MessageBudget(100, 1 << 20);
    assertThat(held.tryTake(10)).as("claims a block of bytes for its stripe").isTrue();
    held.addBytes((1 << 20) + 1);
    assertThat(held.tryTake(10)).as("a stream past maxBytes voids what the stripe holds").isFalse();
  }

  @Test
  void manyThreadsNeverExceedTheLimitsAndLoseAtMostAnEighth() throws Exception {
    int threads = 16;
    for (long[] limits : new long[][] {{1000, Long.MAX_VALUE}, {100_000, 3_000_000}, {7, 10}}) {
      long maxMessages = limits[0];
      long maxBytes = limits[1];
      MessageBudget budget = new MessageBudget(maxMessages, maxBytes);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<long[]>> counts = new ArrayList<>();
      try {
        for (int t = 0; t < threads; t++) {
          int size = 1 + t % 3;
          counts.add(
              pool.submit(
                  () -> {
                    start.await();
                    long messages = 0;
                    long bytes = 0;
                    while (budget.tryTake(size)) {
                      messages++;
                      bytes += size;
                    }
                    return new long[] {messages, bytes};
                  }));
        }
        start.countDown();
        long messages = 0;
        long bytes = 0;
        for (Future<long[]> f : counts) {
          long[] c = f.get();
          messages += c[0];
          bytes += c[1];
        }
        assertThat(messages).as("messages for %d", maxMessages).isLessThanOrEqualTo(maxMessages);
        assertThat(bytes).as("bytes for %d", maxBytes).isLessThanOrEqualTo(maxBytes);
        boolean messagesBound = messages >= maxMessages - maxMessages / 8 - 1;
        boolean bytesBound = bytes >= maxBytes - maxBytes / 8 - 3;
        assertThat(messagesBound || bytesBound)
            .as("used %d of %d messages, %d of %d bytes", messages, maxMessages, bytes, maxBytes)
            .isTrue();
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void stripesArePowersOfTwoBetweenTwoAnd64() {
    assertThat(MessageBudget.stripeCount(1)).isEqualTo(2);
    assertThat(MessageBudget.stripeCount(2)).isEqualTo(4);
    assertThat(MessageBudget.stripeCount(3)).isEqualTo(8);
    assertThat(MessageBudget.stripeCount(32)).isEqualTo(64);
    assertThat(MessageBudget.stripeCount(500)).isEqualTo(64);
  }
}
