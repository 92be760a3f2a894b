package dev.envelope.core.internal;

import dev.envelope.core.EnvelopeObserver;
import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.WrapContext;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Runs one KEK call and reports it: its timing and outcome to the observer, and one audit event
 * with the identity it ran as and the service's reference for it.
 */
final class KekCalls {
  private final EnvelopeObserver observer;
  private final AuditTrail audit;
  private final KekCircuits circuits;

  KekCalls(EnvelopeObserver observer, AuditTrail audit, KekCircuits circuits) {
    this.observer = observer;
    this.audit = audit;
    this.circuits = circuits;
  }

  <T> T timed(
      EnvelopeObserver.KekOperation operation, WrapContext context, Kek kek, Supplier<T> call) {
    return run(operation, context, kek, false, call);
  }

  /**
   * As {@link #timed}, for a health or doctor check: audited as a probe, not observed, and not
   * subject to the KEK's circuit (a check reports the truth).
   */
  <T> T probe(
      EnvelopeObserver.KekOperation operation, WrapContext context, Kek kek, Supplier<T> call) {
    return run(operation, context, kek, true, call);
  }

  private <T> T run(
      EnvelopeObserver.KekOperation operation,
      WrapContext context,
      Kek kek,
      boolean probe,
      Supplier<T> call) {
    if (!probe) {
      circuits.acquire(kek.uri(), context); // throws, without calling, if the circuit is open
    }
    String[] previous = audit.enabled() ? CallReferences.open() : null;
    long start = System.nanoTime();
    RuntimeException failure = null;
    try {
      return call.get();
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      long nanos = System.nanoTime() - start;
      if (!probe) {
        circuits.record(kek.uri(), nanos, failure);
        observer.kekCall(operation, context.logicalKeyId(), kek.uri(), nanos, failure);
      }
      if (audit.enabled()) {
        String reference = CallReferences.close(previous);
        audit.record(
            new AuditEvent.KekCall(
                audit.now(),
                operation,
                context.logicalKeyId(),
                kek.uri(),
                identityOf(kek),
                failure == null ? AuditEvent.Outcome.OK : AuditEvent.Outcome.FAILED,
                failure == null ? null : failure.getClass().getSimpleName(),
                Duration.ofNanos(nanos),
                reference,
                probe));
      }
    }
  }

  private static String identityOf(Kek kek) {
    try {
      String identity = kek.identity();
      return identity == null ? "unknown" : identity;
    } catch (RuntimeException e) {
      return "unknown";
    }
  }
}
