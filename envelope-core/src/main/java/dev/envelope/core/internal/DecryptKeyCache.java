package dev.envelope.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
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
      boolean[] loaded = new boolean[1];
      DataKey dataKey =
          cache.get(
              key,
              k -> {
                loaded[0] = true;
                return unwrap.get();
              });
      if (dataKey.lease()) {
        (loaded[0] ? counters.decryptMisses : counters.decryptHits).increment();
        return dataKey;
      }
      cache.asMap().remove(key, dataKey); // destroyed between lookup and lease: load again
    }
  }

  @Override
  public void close() {
    if (cache != null) {
      cache.invalidateAll();
    }
  }
}
