package dev.envelope.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Unwrapped data keys, found by (logical key, KEK URI, wrap algorithm, wrapped key bytes), so that
 * envelopes sharing a data key cost one unwrap. Bounded in entries and age (Caffeine); concurrent
 * misses for one wrapped key cause one unwrap. Entries are retired when dropped and zeroed after
 * their last use. Keyed by the wrapped bytes themselves: exact, and cheaper per message than a
 * digest.
 */
final class DecryptKeyCache implements AutoCloseable {
  private record Key(String logicalKeyId, String kekUri, long wrapAlgorithm, ByteKey wrappedKey) {}

  private final Cache<Key, DataKey> cache;
  private final Counters counters;
  private final java.util.concurrent.ConcurrentMap<Key, CompletableFuture<DataKey>> loading =
      new java.util.concurrent.ConcurrentHashMap<>();

  DecryptKeyCache(int maxEntries, Duration ttl, Counters counters) {
    this.counters = counters;
    this.cache =
        maxEntries == 0
            ? null
            : Caffeine.newBuilder()
                .executor(Runnable::run)
                // Expire on time, not only on the next lookup: the hot path reaches a cached key
                // through
                // the header's memo without touching this cache, and a retired key must stop being
                // used.
                .scheduler(Scheduler.systemScheduler())
                .maximumSize(maxEntries)
                .expireAfterWrite(ttl)
                .<Key, DataKey>removalListener(
                    (k, v, cause) -> {
                      if (v != null) {
                        v.retire();
                      }
                    })
                .build();
  }

  /**
   * The data key of a wrapped key, leased: the caller must {@link DataKey#release()} it.
   *
   * @param wrappedKey not modified afterwards (it may become the cache key)
   * @param unwrap called on a miss; its exceptions propagate and nothing is cached
   */
  DataKey lease(
      String logicalKeyId,
      String kekUri,
      long wrapAlgorithm,
      byte[] wrappedKey,
      Supplier<DataKey> unwrap) {
    if (cache == null) {
      counters.decryptMisses.increment();
      DataKey once = unwrap.get();
      once.lease();
      once.retire();
      return once;
    }
    Key key =
        new Key(
            logicalKeyId, kekUri, wrapAlgorithm, ByteKey.view(wrappedKey, 0, wrappedKey.length));
    while (true) {
      DataKey cached = cache.getIfPresent(key);
      if (cached == null) {
        cached = load(key, unwrap);
        if (cached == null) {
          continue; // another caller's unwrap failed or was retired: look again
        }
        if (cached.lease()) {
          return cached;
        }
      } else if (cached.lease()) {
        counters.decryptHits.increment();
        return cached;
      }
      cache.asMap().remove(key, cached); // destroyed between lookup and lease: load again
    }
  }

  /**
   * One unwrap per missing key, outside any lock of the cache's map: a hung KMS must not hold a map
   * bin (which would stall decrypts of unrelated keys in that bin, and pin a virtual thread's
   * carrier). Concurrent callers for the same key wait for the first one's unwrap.
   *
   * @return the data key (counted as a miss for the caller that unwrapped, a hit for the others),
   *     or null if the unwrap another caller made failed
   */
  private DataKey load(Key key, Supplier<DataKey> unwrap) {
    CompletableFuture<DataKey> mine = new CompletableFuture<>();
    CompletableFuture<DataKey> theirs = loading.putIfAbsent(key, mine);
    if (theirs != null) {
      try {
        DataKey shared = theirs.join();
        counters.decryptHits.increment();
        return shared;
      } catch (java.util.concurrent.CompletionException e) {
        return null; // the other caller got the failure; try ourselves
      }
    }
    try {
      DataKey fresh = unwrap.get();
      counters.decryptMisses.increment();
      cache.put(key, fresh);
      mine.complete(fresh);
      return fresh;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      loading.remove(key, mine);
    }
  }

  @Override
  public void close() {
    if (cache != null) {
      cache.invalidateAll();
    }
  }
}
