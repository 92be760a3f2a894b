package dev.envelope.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link VirtualThreadPinningTest} on a JDK with virtual threads (21+): 200 virtual threads
 * encrypt, decrypt uncached envelopes and stream through one facade whose remote KEK blocks 20 ms
 * per wrap, as a KMS round trip does, with the audit trail on. The test runs it under JFR ({@code
 * pinning.jfc}: every {@code jdk.VirtualThreadPinned} event, threshold 0) and reads the recording.
 * Compiled for Java 17: virtual threads are reached reflectively.
 */
public final class PinningProbe {
  private PinningProbe() {}

  public static void main(String[] args) throws Exception {
    MemoryKekProvider.reset();
    MemoryKekProvider.WRAP_DELAY_MILLIS.put("memory://remote", 20L);
    try (Fixture fixture = new Fixture()) {
      KeyPolicy policy =
          KeyPolicy.builder()
              .key(
                  "payments",
                  List.of("memory://remote", fixture.local("local")),
                  List.of(),
                  2,
                  new DataKeyCacheLimits(Duration.ofMinutes(5), 1, 1L << 30))
              .build();
      ExecutorService virtualThreads =
          (ExecutorService)
              Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
      try (Envelope e =
          Envelope.builder()
              .policy(policy)
              .localConfig(fixture.config("memory"))
              .provider(new MemoryKekProvider())
              .audit(event -> {})
              .build()) {
        // Warm-up on this platform thread: class initialisation is a one-time pin the JDK cannot
        // avoid (a virtual thread waiting for another's <clinit> pins); it is not what we look for.
        work(e, "warm-up".getBytes(StandardCharsets.UTF_8));
        System.out.println("measured phase");
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          byte[] message = ("message " + i).getBytes(StandardCharsets.UTF_8);
          done.add(
              virtualThreads.submit(
                  () -> {
                    byte[] sealed = e.encrypt("payments", message, Map.of("n", "1"));
                    e.decrypt(sealed, Map.of("n", "1"));
                    ByteArrayOutputStream sink = new ByteArrayOutputStream();
                    try (OutputStream out = e.encryptingStream("payments", sink, Map.of())) {
                      out.write(message);
                    }
                    try (InputStream in =
                        e.decryptingStream(
                            new ByteArrayInputStream(sink.toByteArray()), Map.of())) {
                      in.readAllBytes();
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
        e.diagnose(null, Duration.ofSeconds(5));
      } finally {
        virtualThreads.shutdown();
        virtualThreads.awaitTermination(30, TimeUnit.SECONDS);
      }
    }
    System.out.println("workload done");
  }

  private static void work(Envelope e, byte[] message) throws java.io.IOException {
    byte[] sealed = e.encrypt("payments", message, Map.of("n", "1"));
    e.decrypt(sealed, Map.of("n", "1"));
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (OutputStream out = e.encryptingStream("payments", sink, Map.of())) {
      out.write(message);
    }
    try (InputStream in =
        e.decryptingStream(new ByteArrayInputStream(sink.toByteArray()), Map.of())) {
      in.readAllBytes();
    }
  }
}
