package dev.envelope.core.audit;

/**
 * Receives the audit trail of a facade: one {@link AuditEvent} per KEK call, per decrypt that fails
 * authentication, per policy reload and per data-key rollover (and per message when asked for).
 * Register it with {@code Envelope.builder().audit(sink)}; {@link Slf4jAuditSink} is the built-in
 * one.
 *
 * <p>Events are handed over on one dedicated thread per facade, in the order they happened, never
 * on the caller's: a sink may take its time (write a file, send to a collector) without slowing
 * encryption. The caller's cost is bounded by one non-blocking enqueue: when the sink falls behind
 * by more than the queue holds, further events are dropped and counted, and an {@link
 * AuditEvent.EventsDropped} follows once it catches up. An exception a sink throws is logged once
 * and ignored: auditing never changes a result.
 */
@FunctionalInterface
public interface AuditSink {
  /** Receives one event. Called on the facade's audit thread only. */
  void accept(AuditEvent event);
}
