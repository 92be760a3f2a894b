package dev.envelope.core;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * One data key per logical key, reused until a {@link DataKeyCacheLimits} limit is reached. When
 * the key is missing, expired or used up, exactly one caller makes the next one (one wrap per KEK)
 * and concurrent callers wait for that same key: request coalescing through a shared future.
 * Caffeine expires entries at their {@code maxAge}; every entry it drops is retired, and zeroed
 * once its last in-flight message is sealed.
 */
final class EncryptKeyCache implements AutoCloseable {
  private final AsyncCache<String, DataKey> cache;
  private final ConcurrentMap<String, CompletableFuture<DataKey>> map;
  private final Function<LogicalKey, DataKey> factory;
  private final Counters counters;

  EncryptKeyCache(Function<LogicalKey, DataKey> factory, Counters counters) {
    this.factory = factory;
    this.counters = counters;
    this.cache = Caffeine.newBuilder()
        .executor(Runnable::run)
        .expireAfter(new Expiry<String, DataKey>() {
          @Override
          public long expireAfterCreate(String key, DataKey value, long currentTime) {
            return value.remainingNanos();
          }

          @Override
          public long expireAfterUpdate(String key, DataKey value, long currentTime, long current) {
            return value.remainingNanos();
          }

          @Override
          public long expireAfterRead(String key, DataKey value, long currentTime, long current) {
            return current;
          }
        })
        .<String, DataKey>removalListener((key, value, cause) -> {
          if (value != null) {
            value.retire();
          }
        })
        .buildAsync();
    this.map = cache.asMap();
  }

  /**
   * A data key with one message of {@code plaintextBytes} reserved and a lease taken; the caller
   * must {@link DataKey#release()} it.
   */
  DataKey acquire(LogicalKey key, long plaintextBytes) {
    if (key.dataKeyCache().disabled()) {
      counters.encryptMisses.increment();
      DataKey fresh = factory.apply(key);
      fresh.tryReserve(plaintextBytes);
      fresh.retire();  // zeroed as soon as the caller releases it
      return fresh;
    }
    boolean made = false;
    while (true) {
      CompletableFuture<DataKey> slot = map.get(key.id());
      if (slot == null) {
        CompletableFuture<DataKey> mine = new CompletableFuture<>();
        slot = map.putIfAbsent(key.id(), mine);
        if (slot == null) {
          made = true;
          slot = mine;
          try {
            mine.complete(factory.apply(key));
          } catch (RuntimeException e) {
            map.remove(key.id(), mine);
            mine.completeExceptionally(e);
            counters.encryptMisses.increment();
            throw e;
          }
        }
      }
      DataKey dataKey;
      try {
        dataKey = slot.join();
      } catch (CompletionException e) {
        // Another caller's wrap failed: report the same failure (one wrap attempt, not one each).
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
      if (dataKey.tryReserve(plaintextBytes)) {
        (made ? counters.encryptMisses : counters.encryptHits).increment();
        return dataKey;
      }
      map.remove(key.id(), slot);  // used up or expired: retired by the removal listener
    }
  }

  @Override
  public void close() {
    cache.synchronous().invalidateAll();
  }
}
