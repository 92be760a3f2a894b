package dev.envelope.core;

import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.internal.AuditTrail;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Passes every observation on to the application's observer and records the audit events that
 * follow from them: each policy reload, and each message when per-message events are on. (KEK
 * calls, rollovers and authentication failures are recorded where they happen, with more facts.)
 */
final class AuditingObserver implements EnvelopeObserver {
  private final EnvelopeObserver delegate;
  private final AuditTrail audit;

  AuditingObserver(EnvelopeObserver delegate, AuditTrail audit) {
    this.delegate = delegate;
    this.audit = audit;
  }

  @Override
  public void operation(
      Operation operation,
      @Nullable String logicalKeyId,
      long plaintextBytes,
      long nanos,
      @Nullable EnvelopeException failure) {
    delegate.operation(operation, logicalKeyId, plaintextBytes, nanos, failure);
    if (audit.messages()) {
      audit.record(
          new AuditEvent.Message(
              audit.now(),
              operation,
              logicalKeyId,
              plaintextBytes,
              failure == null ? AuditEvent.Outcome.OK : AuditEvent.Outcome.FAILED,
              failure == null ? null : failure.getClass().getSimpleName(),
              Duration.ofNanos(nanos)));
    }
  }

  @Override
  public void kekCall(
      KekOperation operation,
      String logicalKeyId,
      String kekUri,
      long nanos,
      @Nullable RuntimeException failure) {
    delegate.kekCall(operation, logicalKeyId, kekUri, nanos, failure);
  }

  @Override
  public void policyReload(PolicyStatus status, KeyPolicy inForce) {
    delegate.policyReload(status, inForce);
    audit.record(
        new AuditEvent.PolicyReload(
            audit.now(),
            status.source(),
            status.lastOutcome(),
            inForce.digest(),
            status.generation(),
            status.lastError().orElse(null)));
  }
}
