package dev.envelope.core.internal;

import dev.envelope.core.EnvelopeObserver;
import dev.envelope.core.spi.WrapContext;
import java.util.function.Supplier;

/** Runs one KEK call and tells the observer how long it took and how it ended. */
final class KekCalls {
  private final EnvelopeObserver observer;

  KekCalls(EnvelopeObserver observer) {
    this.observer = observer;
  }

  <T> T timed(
      EnvelopeObserver.KekOperation operation, WrapContext context, String uri, Supplier<T> call) {
    long start = System.nanoTime();
    try {
      T result = call.get();
      observer.kekCall(operation, context.logicalKeyId(), uri, System.nanoTime() - start, null);
      return result;
    } catch (RuntimeException e) {
      observer.kekCall(operation, context.logicalKeyId(), uri, System.nanoTime() - start, e);
      throw e;
    }
  }
}
