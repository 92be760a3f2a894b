package dev.envelope.core.internal;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Diagnosis;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.EnvelopeObserver.KekOperation;
import dev.envelope.core.KekCheck;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.RotationCheck;
import dev.envelope.core.format.Cobblestone;
import dev.envelope.core.format.Randoms;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekDescription;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapContext;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Diagnoses the KEKs of a policy from this cluster, all KEKs in parallel, each within one deadline:
 * describe (identity, endpoint, state), a wrap and an unwrap probe with a throwaway data key, the
 * rotation state. A check still running at the deadline is abandoned (left to end on its own
 * thread, bounded by the provider's call timeout) and reported as timed out with whatever it had
 * found, so a hanging endpoint costs the caller the deadline, once.
 */
final class Doctor {
  private final KekRegistry registry;
  private final KekCalls calls;
  private final ExecutorService executor;

  Doctor(KekRegistry registry, KekCalls calls, ExecutorService executor) {
    this.registry = registry;
    this.calls = calls;
    this.executor = executor;
  }

  /** What one KEK's checks found so far; written by its task, read at the deadline. */
  private static final class Findings {
    volatile KekDescription description;
    volatile boolean canWrap;
    volatile boolean canUnwrap;
    volatile boolean reachable;
    volatile String problem;
    volatile Duration wrapLatency;
    volatile Duration unwrapLatency;
    volatile String step = "opening the KEK";
    final List<RotationCheck> rotation = new java.util.concurrent.CopyOnWriteArrayList<>();
  }

  Diagnosis diagnose(KeyPolicy policy, List<LogicalKey> keys, Duration deadline) {
    Instant started = Instant.now();
    // Each KEK once, probed under the first diagnosed logical key that lists it.
    Map<String, LogicalKey> firstKey = new LinkedHashMap<>();
    for (LogicalKey key : keys) {
      for (String uri : key.allKeks()) {
        firstKey.putIfAbsent(uri, key);
      }
    }
    Map<String, Findings> findings = new LinkedHashMap<>();
    Map<String, CompletableFuture<Void>> tasks = new LinkedHashMap<>();
    for (Map.Entry<String, LogicalKey> e : firstKey.entrySet()) {
      Findings f = new Findings();
      findings.put(e.getKey(), f);
      if (registry.hasProvider(e.getKey())) {
        tasks.put(
            e.getKey(),
            CompletableFuture.runAsync(() -> examine(e.getKey(), e.getValue(), keys, f), executor));
      }
    }
    long end = System.nanoTime() + deadline.toNanos();
    List<Diagnosis.KekHealth> keks = new ArrayList<>();
    for (Map.Entry<String, Findings> e : findings.entrySet()) {
      String uri = e.getKey();
      Findings f = e.getValue();
      CompletableFuture<Void> task = tasks.get(uri);
      if (task == null) {
        KekDescription missing = registry.describe(uri);
        keks.add(
            new Diagnosis.KekHealth(
                uri,
                false,
                null,
                false,
                new KekCheck(uri, false, false, missing.problems().get(0)),
                null,
                null,
                List.of(),
                false));
        continue;
      }
      boolean timedOut = false;
      try {
        task.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException ex) {
        timedOut = true;
        task.cancel(true);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        timedOut = true;
      } catch (java.util.concurrent.ExecutionException ex) {
        f.problem = "the check failed: " + ex.getCause().getClass().getSimpleName();
      }
      String problem =
          timedOut
              ? "no answer within the deadline of " + deadline + " while " + f.step
              : f.problem;
      keks.add(
          new Diagnosis.KekHealth(
              uri,
              true,
              f.description,
              f.reachable && !timedOut || f.canWrap,
              new KekCheck(uri, f.canWrap, f.canUnwrap, problem),
              f.wrapLatency,
              f.unwrapLatency,
              List.copyOf(f.rotation),
              timedOut));
    }
    return new Diagnosis(started, policy.digest(), deadline, keks, judgeKeys(keys, keks));
  }

  private void examine(String uri, LogicalKey probeKey, List<LogicalKey> keys, Findings f) {
    f.step = "describing the KEK";
    f.description = registry.describe(uri);
    WrapContext context = new WrapContext(probeKey.id());
    byte[] random = new byte[Cobblestone.KEY_BYTES];
    Randoms.key(random);
    SecretBytes probe = SecretBytes.adopt(random);
    try {
      Kek kek;
      f.step = "opening the KEK";
      try {
        kek = registry.kek(uri);
      } catch (RuntimeException e) {
        failed(f, e);
        return;
      }
      probe(kek, context, probe, f);
      // The rotation state is worth knowing even when a probe failed (a disabled old key).
      f.step = "reading the rotation state";
      rotation(uri, keys, f);
    } finally {
      probe.destroy();
    }
  }

  private void probe(Kek kek, WrapContext context, SecretBytes probe, Findings f) {
    f.step = "wrapping a probe data key";
    byte[] wrapped;
    long start = System.nanoTime();
    try {
      wrapped = calls.probe(KekOperation.WRAP, context, kek, () -> kek.wrap(probe, context));
      f.wrapLatency = Duration.ofNanos(System.nanoTime() - start);
      f.canWrap = true;
      f.reachable = true;
    } catch (RuntimeException e) {
      failed(f, e);
      return;
    }
    f.step = "unwrapping the probe";
    start = System.nanoTime();
    try {
      SecretBytes back =
          calls.probe(KekOperation.UNWRAP, context, kek, () -> kek.unwrap(wrapped, context));
      f.unwrapLatency = Duration.ofNanos(System.nanoTime() - start);
      boolean same = MessageDigest.isEqual(back.toByteArray(), probe.toByteArray());
      back.destroy();
      f.canUnwrap = same;
      if (!same) {
        f.problem = "the unwrapped key differs from the wrapped one";
      }
    } catch (RuntimeException e) {
      failed(f, e);
    }
  }

  private void rotation(String uri, List<LogicalKey> keys, Findings f) {
    dev.envelope.core.spi.KeyRotation state = null;
    Instant now = Instant.now();
    for (LogicalKey key : keys) {
      if (key.rotationPeriod().isPresent() && key.keks().contains(uri)) {
        if (state == null) {
          state = registry.rotation(uri);
        }
        f.rotation.add(RotationCheck.judge(uri, key.rotationPeriod().get(), state, now));
      }
    }
  }

  private static void failed(Findings f, RuntimeException e) {
    // A refusal (denied, disabled, not authentic) is an answer; a retryable failure may be a
    // network one. Providers mark timeouts and connection failures retryable.
    f.reachable |=
        e instanceof AuthenticationException
            || e instanceof KeyUnavailableException k && !k.retryable();
    String problem =
        e instanceof EnvelopeException
            ? e.getClass().getSimpleName() + ": " + e.getMessage()
            : "provider error " + e.getClass().getSimpleName();
    f.problem = f.problem == null ? problem : f.problem;
  }

  private static List<Diagnosis.KeyHealth> judgeKeys(
      List<LogicalKey> keys, List<Diagnosis.KekHealth> keks) {
    Map<String, Diagnosis.KekHealth> byUri = new LinkedHashMap<>();
    keks.forEach(k -> byUri.put(k.uri(), k));
    List<Diagnosis.KeyHealth> out = new ArrayList<>();
    for (LogicalKey key : keys) {
      int wrapping = 0;
      boolean opening = false;
      for (String uri : key.keks()) {
        wrapping += byUri.get(uri).check().canWrap() ? 1 : 0;
      }
      for (String uri : key.allKeks()) {
        opening |= byUri.get(uri).check().canUnwrap();
      }
      List<String> problems = new ArrayList<>();
      if (wrapping < key.minWrap()) {
        problems.add(
            "cannot seal: "
                + wrapping
                + " of "
                + key.keks().size()
                + " KEKs wrap here, minWrap is "
                + key.minWrap());
      }
      if (!opening) {
        problems.add(
            "cannot open: none of its "
                + key.allKeks().size()
                + " KEKs unwraps here (a seal-only cluster expects this)");
      }
      out.add(
          new Diagnosis.KeyHealth(
              key.id(), key.minWrap(), wrapping, wrapping >= key.minWrap(), opening, problems));
    }
    return out;
  }
}
