package dev.envelope.core.internal;

import dev.envelope.core.BodyAlgorithm;
import dev.envelope.core.DataKeyCacheLimits;
import dev.envelope.core.format.DerivedKeys;
import dev.envelope.core.spi.SecretBytes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A data key (DEK) and what is derived from it once: the Cobblestone PRF with its HMAC states
 * prepared, the A256GCM subkey and key commitment, and — on the encrypt side — the encoded
 * recipients (the wraps of this DEK under every KEK).
 *
 * <p>Reuse is bounded by {@link DataKeyCacheLimits}: {@link #tryReserve} hands out one message at a
 * time until a limit is reached. Users hold a lease; a cache that drops the key calls {@link
 * #retire()}, and the key material is zeroed when the last lease is released, so a message in
 * flight never sees a destroyed key.
 */
final class DataKey {

  final SecretBytes dek;

  /** The bodies' keys derived from it once (FORMAT.md §4). */
  public final DerivedKeys derived;

  /** R || recipients, as written in every envelope sealed under this key; null when decrypting. */
  final byte[] encodedRecipients;

  /** The KEK URI that unwrapped it; null when encrypting. */
  final String unwrappedBy;

  private final long expiresAtNanos;
  private final MessageBudget budget;

  /**
   * Leases in flight. Striped (LongAdder), because every message on every thread takes one: a
   * single atomic word here was a cache line all threads fought over. Safe without a lock by the
   * Dekker pattern: a lease increments, then reads {@code retired}; a retire writes {@code
   * retired}, then sums; both are volatile, so one of the two always sees the other.
   */
  private final java.util.concurrent.atomic.LongAdder leases =
      new java.util.concurrent.atomic.LongAdder();

  private final java.util.concurrent.atomic.AtomicBoolean destroyed =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile boolean retired;

  /** Authenticated headers by context, per body algorithm: the same for every message. */
  private final ConcurrentHashMap<Map<String, String>, byte[]> gcmHeaders =
      new ConcurrentHashMap<>();

  private final ConcurrentHashMap<Map<String, String>, byte[]> cobblestoneHeaders =
      new ConcurrentHashMap<>();

  /** Most distinct contexts whose header is kept per data key and algorithm. */
  private static final int MAX_HEADERS = 256;

  private DataKey(
      SecretBytes dek,
      byte[] recipients,
      String unwrappedBy,
      DataKeyCacheLimits limits,
      long nowNanos) {
    this.dek = dek;
    this.unwrappedBy = unwrappedBy;
    this.derived = DerivedKeys.of(dek);
    this.encodedRecipients = recipients;
    this.expiresAtNanos = limits == null ? Long.MAX_VALUE : nowNanos + limits.maxAge().toNanos();
    this.budget =
        new MessageBudget(
            limits == null ? Long.MAX_VALUE : limits.maxMessages(),
            limits == null ? Long.MAX_VALUE : limits.maxBytes());
  }

  /** A DEK for sealing, with its wrapped copies, bounded by {@code limits}. */
  static DataKey forEncryption(SecretBytes dek, byte[] recipients, DataKeyCacheLimits limits) {
    return new DataKey(dek, recipients, null, limits, System.nanoTime());
  }

  /** A DEK unwrapped for opening; its reuse is bounded by the decrypt cache, not here. */
  static DataKey forDecryption(SecretBytes dek, String kekUri) {
    return new DataKey(dek, null, kekUri, null, System.nanoTime());
  }

  /** Nanoseconds until {@code maxAge} ends, for the cache's expiry. */
  long remainingNanos() {
    return expiresAtNanos == Long.MAX_VALUE
        ? Long.MAX_VALUE
        : Math.max(0, expiresAtNanos - System.nanoTime());
  }

  /**
   * Takes a lease and reserves one message of {@code plaintextBytes}, or returns false if a limit
   * is reached (the caller then needs a new DEK). A message larger than {@code maxBytes} is allowed
   * only as the first message of a DEK.
   */
  boolean tryReserve(long plaintextBytes) {
    if (System.nanoTime() - expiresAtNanos >= 0 && expiresAtNanos != Long.MAX_VALUE) {
      return false;
    }
    if (!lease()) {
      return false;
    }
    if (!budget.tryTake(plaintextBytes)) {
      release();
      return false;
    }
    return true;
  }

  /**
   * The authenticated header for {@code context} under this key, made by {@code make} the first
   * time. The returned array is shared: callers copy it, never modify it.
   */
  byte[] header(BodyAlgorithm algorithm, Map<String, String> context, Supplier<byte[]> make) {
    ConcurrentHashMap<Map<String, String>, byte[]> map =
        algorithm == BodyAlgorithm.A256GCM ? gcmHeaders : cobblestoneHeaders;
    byte[] header = map.get(context);
    if (header == null) {
      header = make.get();
      if (map.size() < MAX_HEADERS) {
        map.putIfAbsent(Map.copyOf(context), header);
      }
    }
    return header;
  }

  /**
   * Counts bytes a stream sealed under this key, chunk by chunk as it seals them (its size was
   * unknown when it started), so the key stops taking new messages as soon as it reached maxBytes.
   */
  void addBytes(long n) {
    budget.addBytes(n);
  }

  /** Takes a lease without reserving; false once the key was retired (dropped by its cache). */
  boolean lease() {
    leases.increment();
    if (retired) {
      leases.decrement();
      destroyIfUnused();
      return false;
    }
    return true;
  }

  /** Ends a lease; destroys the key if it was retired and this was the last one. */
  void release() {
    leases.decrement();
    if (retired) {
      destroyIfUnused();
    }
  }

  /** No new leases; the key is zeroed once the current ones end. Idempotent. */
  void retire() {
    retired = true;
    destroyIfUnused();
  }

  boolean isDestroyed() {
    return destroyed.get();
  }

  private void destroyIfUnused() {
    if (leases.sum() == 0 && destroyed.compareAndSet(false, true)) {
      dek.destroy();
      derived.destroy();
    }
  }

  @Override
  public String toString() {
    return "DataKey[messagesClaimed="
        + budget.messagesClaimed()
        + ", bytesClaimed="
        + budget.bytesClaimed()
        + (isDestroyed() ? ", destroyed]" : "]");
  }
}
