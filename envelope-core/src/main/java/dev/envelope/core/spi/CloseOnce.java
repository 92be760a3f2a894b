package dev.envelope.core.spi;

import dev.envelope.core.KeyUnavailableException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The idempotent close of a {@link Kek}: {@link #close(Runnable)} runs its action the first time
 * only, however many threads call it; {@link #requireOpen()} refuses use afterwards with a typed
 * error (a facade closing while a call is in flight must not surface an untyped one).
 */
public final class CloseOnce {
  private final String uri;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param uri the KEK, for the message of {@link #requireOpen()}
   */
  public CloseOnce(String uri) {
    this.uri = uri;
  }

  /** Runs {@code action} if this is the first close. */
  public void close(Runnable action) {
    if (closed.compareAndSet(false, true)) {
      action.run();
    }
  }

  public boolean isClosed() {
    return closed.get();
  }

  /**
   * @throws KeyUnavailableException (permanent) if closed
   */
  public void requireOpen() {
    if (closed.get()) {
      throw KeyUnavailableException.permanent("the KEK " + uri + " was closed", null);
    }
  }
}
