package dev.envelope.core.internal;

import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.audit.AuditSink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a facade's audit events to its sink on one dedicated daemon thread, so that a slow or
 * failing sink never reaches a caller: a caller only offers the event to a bounded queue, and when
 * the queue is full the event is dropped and counted (an {@link AuditEvent.EventsDropped} follows).
 * Closing waits at most {@link #DRAIN_TIMEOUT} for the queue to empty.
 */
public final class AuditTrail implements AutoCloseable {
  /** How many events may wait for a slow sink before events are dropped. */
  public static final int QUEUE_CAPACITY = 8192;

  /** How long close waits for the sink to take what is queued. */
  public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

  /** The trail of a facade without a sink: nothing is built or queued. */
  public static final AuditTrail NONE = new AuditTrail();

  private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final @Nullable AuditSink sink;
  private final boolean messages;
  private final Clock clock;
  private final BlockingQueue<AuditEvent> queue;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final AtomicBoolean warned = new AtomicBoolean();
  private final @Nullable Thread worker;
  private volatile boolean closing;

  private AuditTrail() {
    this.sink = null;
    this.messages = false;
    this.clock = Clock.systemUTC();
    this.queue = new ArrayBlockingQueue<>(1);
    this.worker = null;
  }

  /**
   * @param messages also record one event per {@code byte[]} encrypt and decrypt
   */
  public AuditTrail(AuditSink sink, boolean messages, Clock clock) {
    this.sink = sink;
    this.messages = messages;
    this.clock = clock;
    this.queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    this.worker = new Thread(this::run, "envelope-audit-" + THREADS.incrementAndGet());
    worker.setDaemon(true);
    worker.start();
  }

  /** True if events are recorded at all (a sink is set). */
  public boolean enabled() {
    return sink != null;
  }

  /** True if per-message events are recorded. */
  public boolean messages() {
    return messages;
  }

  /** The time stamp for a new event. */
  public Instant now() {
    return clock.instant();
  }

  /**
   * Queues {@code event} for the sink without waiting; drops and counts it if the queue is full.
   */
  public void record(AuditEvent event) {
    if (sink == null || closing) {
      return;
    }
    if (!queue.offer(event)) {
      dropped.increment();
    }
  }

  /** Events the sink has taken, and events dropped because it fell behind (for statistics). */
  public long delivered() {
    return delivered.sum();
  }

  public long dropped() {
    return dropped.sum();
  }

  private void run() {
    long reportedDrops = 0;
    while (true) {
      AuditEvent event;
      try {
        event = queue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      // Drops are reported before the next event, or once the queue is idle.
      long drops = dropped.sum();
      if (drops > reportedDrops) {
        deliver(new AuditEvent.EventsDropped(clock.instant(), drops - reportedDrops));
        reportedDrops = drops;
      }
      if (event != null) {
        deliver(event);
      } else if (closing) {
        return;
      }
    }
  }

  private void deliver(AuditEvent event) {
    try {
      sink.accept(event);
      delivered.increment();
    } catch (RuntimeException | LinkageError e) {
      if (warned.compareAndSet(false, true)) {
        LOG.warn(
            "AuditSink {} threw {}; the event was lost and later failures are not logged",
            sink.getClass().getName(),
            e.getClass().getSimpleName());
      }
    }
  }

  /**
   * Stops accepting events and waits up to {@link #DRAIN_TIMEOUT} for the sink to take the rest.
   */
  @Override
  public void close() {
    if (worker == null || closing) {
      return;
    }
    closing = true;
    try {
      worker.join(DRAIN_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      worker.interrupt();
      LOG.warn(
          "AuditSink {} did not take {} queued events within {}; they are lost",
          sink.getClass().getName(),
          queue.size(),
          DRAIN_TIMEOUT);
    }
  }
}
