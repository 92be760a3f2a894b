package dev.envelope.core;

import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls a user's observer and keeps its failures away from the crypto path. */
final class GuardedObserver implements EnvelopeObserver {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedObserver.class);
  private final EnvelopeObserver delegate;
  private final AtomicBoolean warned = new AtomicBoolean();

  GuardedObserver(EnvelopeObserver delegate) {
    this.delegate = delegate;
  }

  @Override
  public void operation(
      Operation operation,
      @Nullable String logicalKeyId,
      long plaintextBytes,
      long nanos,
      @Nullable EnvelopeException failure) {
    try {
      delegate.operation(operation, logicalKeyId, plaintextBytes, nanos, failure);
    } catch (RuntimeException e) {
      warn(e);
    }
  }

  @Override
  public void kekCall(
      KekOperation operation,
      String logicalKeyId,
      String kekUri,
      long nanos,
      @Nullable RuntimeException failure) {
    try {
      delegate.kekCall(operation, logicalKeyId, kekUri, nanos, failure);
    } catch (RuntimeException e) {
      warn(e);
    }
  }

  @Override
  public void policyReload(PolicyStatus status, KeyPolicy inForce) {
    try {
      delegate.policyReload(status, inForce);
    } catch (RuntimeException e) {
      warn(e);
    }
  }

  private void warn(RuntimeException e) {
    if (warned.compareAndSet(false, true)) {
      LOG.warn(
          "EnvelopeObserver {} threw {}; ignored (logged once)",
          delegate.getClass().getName(),
          e.getClass().getSimpleName());
    }
  }
}
