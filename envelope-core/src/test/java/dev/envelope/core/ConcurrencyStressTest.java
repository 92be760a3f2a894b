package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Streams handed between threads while every thread also seals and opens messages, and calls that
 * race {@link Envelope#close()}: every byte read must be the plaintext, every envelope written must
 * open, and every failure must be an {@link EnvelopeException}.
 */
class ConcurrencyStressTest {
  private static final Map<String, String> CONTEXT = Map.of("tenant", "acme");
  private static final int THREADS = 8;

  private Fixture fixture;
  private final Queue<Throwable> problems = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void setUp() {
    fixture = new Fixture();
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  @Test
  void streamsHandedBetweenThreadsReadAndWriteExactlyTheirBytes() throws Exception {
    ExecutorService creators = Executors.newFixedThreadPool(THREADS);
    ExecutorService users = Executors.newFixedThreadPool(THREADS);
    AtomicInteger checked = new AtomicInteger();
    try (Envelope e =
        fixture.envelope(Fixture.policy("k", fixture.local("a"), fixture.tink("b")))) {
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        byte[] message = CampaignRegressionTest.random(1 + (i * 7919) % 70_000, i);
        boolean decrypting = i % 2 == 0;
        byte[] sealed = decrypting ? e.encrypt("k", message, CONTEXT) : null;
        // Created on one pool, used on the other, while both pools run one-shot calls.
        CompletableFuture<Void> f =
            CompletableFuture.supplyAsync(
                    () -> {
                      oneShot(e, message);
                      if (decrypting) {
                        return new Handoff(
                            e.decryptingStream(
                                new ByteArrayInputStream(streamed(e, message)), CONTEXT),
                            null,
                            null);
                      }
                      ByteArrayOutputStream sink = new ByteArrayOutputStream();
                      return new Handoff(null, e.encryptingStream("k", sink, CONTEXT), sink);
                    },
                    creators)
                .thenAcceptAsync(
                    handoff -> {
                      try {
                        if (decrypting) {
                          assertThat(readInPieces(handoff.in(), e, message)).isEqualTo(message);
                        } else {
                          writeInPieces(handoff.out(), e, message);
                          // Handed on once more: closed (final chunk sealed) back on a creator
                          // thread.
                          CompletableFuture.runAsync(() -> close(handoff.out()), creators).join();
                          assertThat(e.decrypt(handoff.sink().toByteArray(), CONTEXT))
                              .isEqualTo(message);
                        }
                        assertThat(
                                e.decrypt(
                                    sealed != null ? sealed : e.encrypt("k", message, CONTEXT),
                                    CONTEXT))
                            .isEqualTo(message);
                        checked.incrementAndGet();
                      } catch (Throwable t) {
                        problems.add(t);
                      }
                    },
                    users);
        all.add(f);
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    } finally {
      creators.shutdownNow();
      users.shutdownNow();
    }
    assertThat(problems).isEmpty();
    assertThat(checked).hasValue(400);
  }

  @Test
  void callsRacingCloseCompleteOrFailTyped() throws Exception {
    for (int round = 0; round < 5; round++) {
      raceClose(round);
    }
    assertThat(problems).isEmpty();
  }

  private void raceClose(int round) throws Exception {
    // maxMessages 3: new data keys, and so wraps on the wrap executor, all the time.
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "k",
                List.of(fixture.local("a" + round), fixture.tink("b" + round)),
                List.of(),
                2,
                new DataKeyCacheLimits(Duration.ofHours(1), 3, 1L << 40))
            .build();
    Envelope e = fixture.envelope(policy);
    byte[] message = CampaignRegressionTest.random(20_000, round);
    byte[] sealed = e.encrypt("k", message, CONTEXT);
    byte[] streamedSealed = streamed(e, message);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch started = new CountDownLatch(THREADS);
    AtomicInteger closedSeen = new AtomicInteger();
    AtomicInteger succeeded = new AtomicInteger();
    List<java.util.concurrent.Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int seed = t;
      workers.add(
          pool.submit(
              () -> {
                Random random = new Random(seed);
                started.countDown();
                int closedHere = 0;
                while (closedHere < 20) {
                  try {
                    switch (random.nextInt(6)) {
                      case 0 ->
                          assertThat(e.decrypt(e.encrypt("k", message, CONTEXT), CONTEXT))
                              .isEqualTo(message);
                      case 1 -> assertThat(e.decrypt(sealed, CONTEXT)).isEqualTo(message);
                      case 2 ->
                          assertThat(
                                  readAll(
                                      e.decryptingStream(
                                          new ByteArrayInputStream(streamedSealed), CONTEXT)))
                              .isEqualTo(message);
                      case 3 ->
                          assertThat(e.decrypt(streamed(e, message), CONTEXT)).isEqualTo(message);
                      case 4 -> assertThat(e.decrypt(e.rewrap(sealed), CONTEXT)).isEqualTo(message);
                      default -> e.checkKek("k", policy.key("k").orElseThrow().keks().get(0));
                    }
                    succeeded.incrementAndGet();
                  } catch (EnvelopeClosedException closed) {
                    closedHere++;
                    closedSeen.incrementAndGet();
                  } catch (EnvelopeException typed) {
                    // Typed and allowed (a KEK closed under a call in flight reads as unavailable).
                  } catch (Throwable untyped) {
                    problems.add(untyped);
                    return;
                  }
                }
              }));
    }
    started.await();
    Thread.sleep(150);
    e.close();
    for (java.util.concurrent.Future<?> w : workers) {
      w.get(2, TimeUnit.MINUTES);
    }
    pool.shutdownNow();
    assertThat(succeeded.get()).as("calls that completed before close").isPositive();
    assertThat(closedSeen.get()).isGreaterThanOrEqualTo(THREADS * 20);
  }

  // ------------------------------------------------------------------ helpers

  /** A stream created on one thread for another to use. */
  private record Handoff(InputStream in, OutputStream out, ByteArrayOutputStream sink) {}

  private static void oneShot(Envelope e, byte[] message) {
    byte[] small = java.util.Arrays.copyOf(message, Math.min(message.length, 700));
    assertThat(e.decrypt(e.encrypt("k", small, CONTEXT), CONTEXT)).isEqualTo(small);
  }

  private static byte[] streamed(Envelope e, byte[] message) {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (OutputStream out = e.encryptingStream("k", sink, CONTEXT)) {
      out.write(message);
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
    return sink.toByteArray();
  }

  /** Reads in small pieces with one-shot calls between them, on whatever thread this is. */
  private static byte[] readInPieces(InputStream in, Envelope e, byte[] message)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[4099];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      out.write(buffer, 0, n);
      oneShot(e, message);
    }
    in.close();
    return out.toByteArray();
  }

  private static void writeInPieces(OutputStream out, Envelope e, byte[] message)
      throws IOException {
    for (int i = 0; i < message.length; i += 5003) {
      out.write(message, i, Math.min(5003, message.length - i));
      oneShot(e, message);
    }
  }

  private static void close(OutputStream out) {
    try {
      out.close();
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }
}
