package dev.envelope.core.spi;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Reference-counted clients for a {@link KekProvider}: the KEKs opened with equal settings share
 * one set of clients (HTTP connections, credentials with their token caches, HSM sessions), which
 * is closed when the last of those KEKs closes. Thread-safe.
 *
 * @param <K> what makes two sets of clients the same (usually the parsed settings)
 * @param <C> the clients
 */
public final class SharedClients<K, C> {
  /**
   * One KEK's use of the clients. {@link #release()} is idempotent; call it from {@link
   * Kek#close()} or when opening the KEK fails.
   */
  public static final class Lease<C> {
    private final C clients;
    private final Runnable onRelease;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(C clients, Runnable onRelease) {
      this.clients = clients;
      this.onRelease = onRelease;
    }

    public C clients() {
      return clients;
    }

    public void release() {
      if (released.compareAndSet(false, true)) {
        onRelease.run();
      }
    }
  }

  private static final class Entry<C> {
    final C clients;
    int references;

    Entry(C clients) {
      this.clients = clients;
    }
  }

  private final Consumer<? super C> close;
  private final Map<K, Entry<C>> entries = new HashMap<>();

  /**
   * @param close what to do with clients nobody uses any more
   */
  public SharedClients(Consumer<? super C> close) {
    this.close = close;
  }

  /**
   * The clients for {@code key}, made by {@code create} if no KEK holds them now. If {@code create}
   * throws, nothing is kept and the exception propagates.
   */
  public synchronized Lease<C> acquire(K key, Supplier<? extends C> create) {
    Entry<C> entry = entries.get(key);
    if (entry == null) {
      entry = new Entry<>(create.get());
      entries.put(key, entry);
    }
    entry.references++;
    Entry<C> held = entry;
    return new Lease<>(entry.clients, () -> release(key, held));
  }

  /**
   * Opens a KEK on shared clients: acquires them, calls {@code open} with the clients and the
   * lease's release (for the KEK's {@link Kek#close()}), and releases them again if {@code open}
   * throws.
   */
  public <T extends Kek> T open(
      K key,
      Supplier<? extends C> create,
      java.util.function.BiFunction<? super C, Runnable, T> open) {
    Lease<C> lease = acquire(key, create);
    try {
      return open.apply(lease.clients(), lease::release);
    } catch (RuntimeException e) {
      lease.release();
      throw e;
    }
  }

  private synchronized void release(K key, Entry<C> entry) {
    if (--entry.references == 0) {
      entries.remove(key, entry);
      close.accept(entry.clients);
    }
  }

  /** How many distinct sets of clients are open (for tests and diagnostics). */
  public synchronized int size() {
    return entries.size();
  }
}
