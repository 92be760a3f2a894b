package dev.envelope.kmsplugin;

import dev.envelope.core.Diagnosis;
import dev.envelope.core.Envelope;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the plugin's logical key can seal and open from this node, checked in the background
 * ({@link Envelope#diagnose}: a wrap and an unwrap probe per KEK, bounded by the deadline) every
 * interval, so that {@code Status} — polled by every apiserver about every minute and on each of
 * its health checks — answers from memory and never makes a KMS call. Recovery is picked up by the
 * next check.
 */
final class HealthMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

  /**
   * What the last check found.
   *
   * @param canSeal at least minWrap of the key's KEKs wrapped
   * @param canOpen at least one of its KEKs unwrapped
   * @param wrapping how many KEKs wrapped, of {@code keks}
   * @param problems one sentence per KEK or key problem
   */
  record State(
      Instant checkedAt,
      boolean canSeal,
      boolean canOpen,
      int wrapping,
      int keks,
      int minWrap,
      List<String> problems) {
    /** Every KEK works. */
    boolean healthy() {
      return canSeal && canOpen && wrapping == keks;
    }

    /** Status's healthz: {@code ok}, or what is wrong. */
    String healthz() {
      if (healthy()) {
        return "ok";
      }
      String summary =
          (canSeal ? "degraded" : "cannot seal")
              + ": "
              + wrapping
              + " of "
              + keks
              + " KEKs wrap (minWrap "
              + minWrap
              + ")"
              + (canOpen ? "" : ", none unwraps");
      return problems.isEmpty() ? summary : summary + "; " + String.join("; ", problems);
    }
  }

  private final Envelope envelope;
  private final String logicalKeyId;
  private final Duration deadline;
  private final ScheduledExecutorService scheduler;
  private volatile State state;

  HealthMonitor(Envelope envelope, String logicalKeyId, Duration interval, Duration deadline) {
    this.envelope = envelope;
    this.logicalKeyId = logicalKeyId;
    this.deadline = deadline;
    this.state = check(); // the first Status already knows
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "envelope-kms-health");
              t.setDaemon(true);
              return t;
            });
    scheduler.scheduleWithFixedDelay(
        this::refresh, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  State state() {
    return state;
  }

  /** Checks now (also what the schedule runs). */
  void refresh() {
    State next = check();
    State previous = state;
    state = next;
    if (previous.healthy() != next.healthy() || previous.canSeal() != next.canSeal()) {
      LOG.warn("KMS plugin health for '{}' is now: {}", logicalKeyId, next.healthz());
    }
  }

  private State check() {
    try {
      Diagnosis d = envelope.diagnose(logicalKeyId, deadline);
      Diagnosis.KeyHealth key = d.key(logicalKeyId).orElseThrow();
      List<String> problems = new ArrayList<>();
      int keks = 0;
      for (String uri : envelope.policy().key(logicalKeyId).orElseThrow().keks()) {
        keks++;
        d.kek(uri)
            .filter(k -> !k.check().canWrap())
            .ifPresent(k -> problems.add(uri + ": " + k.check().problem()));
      }
      return new State(
          d.checkedAt(),
          key.canSeal(),
          key.canOpen(),
          key.wrapping(),
          keks,
          key.minWrap(),
          problems);
    } catch (RuntimeException e) {
      return new State(
          Instant.now(),
          false,
          false,
          0,
          0,
          0,
          List.of("the check failed: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
