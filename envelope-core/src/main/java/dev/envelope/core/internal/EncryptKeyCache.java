package dev.envelope.core.internal;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Scheduler;
import dev.envelope.core.DataKeyCacheLimits;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LogicalKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;

/**
 * One data key per logical key (per {@link LogicalKey} value: its id and settings), reused until a
 * {@link DataKeyCacheLimits} limit is reached. When the key is missing, expired or used up, exactly
 * one caller makes the next one (one wrap per KEK) and concurrent callers wait for that same key:
 * request coalescing through a shared future. Caffeine expires entries at their {@code maxAge}, on
 * a scheduler so that an idle key is dropped on time; every entry it drops is retired, and zeroed
 * once its last in-flight message is sealed.
 */
final class EncryptKeyCache implements AutoCloseable {
  /** A made data key, or why making it failed (so the future itself never fails). */
  private record Slot(DataKey dataKey, RuntimeException failure) {}

  private final AsyncCache<LogicalKey, Slot> cache;
  private final ConcurrentMap<LogicalKey, CompletableFuture<Slot>> map;
  private final BiFunction<LogicalKey, String, DataKey> factory;
  private final Counters counters;

  /**
   * The data key in use per logical key, read first by every message: a {@link ConcurrentHashMap}
   * read writes nothing, where a Caffeine read records the access in a buffer that threads share
   * (two threads sealing under one key spent 12% of their time there, issue 20). Caffeine stays the
   * owner of each key's life: what it drops is retired, and a retired or used-up key found here
   * fails {@link DataKey#tryReserve} and is taken out, so this map never extends a key's use.
   */
  private final ConcurrentHashMap<LogicalKey, Slot> inUse = new ConcurrentHashMap<>();

  /** Why the entry of a logical key id went away, for the next data key's audit event. */
  private final ConcurrentMap<String, String> retiredBecause = new ConcurrentHashMap<>();

  /**
   * @param factory makes a data key for a logical key, given why ({@code first}, {@code limit},
   *     {@code expired}, {@code policy}, {@code uncached})
   */
  EncryptKeyCache(BiFunction<LogicalKey, String, DataKey> factory, Counters counters) {
    this.factory = factory;
    this.counters = counters;
    this.cache =
        Caffeine.newBuilder()
            .executor(Runnable::run)
            .scheduler(Scheduler.systemScheduler())
            .expireAfter(
                new Expiry<LogicalKey, Slot>() {
                  @Override
                  public long expireAfterCreate(LogicalKey key, Slot slot, long currentTime) {
                    return slot.dataKey == null ? 0 : slot.dataKey.remainingNanos();
                  }

                  @Override
                  public long expireAfterUpdate(
                      LogicalKey key, Slot slot, long currentTime, long current) {
                    return expireAfterCreate(key, slot, currentTime);
                  }

                  @Override
                  public long expireAfterRead(
                      LogicalKey key, Slot slot, long currentTime, long current) {
                    return current;
                  }
                })
            .<LogicalKey, Slot>removalListener(
                (key, slot, cause) -> {
                  if (cause == com.github.benmanes.caffeine.cache.RemovalCause.EXPIRED
                      && key != null) {
                    retiredBecause.putIfAbsent(key.id(), "expired");
                  }
                  if (slot != null && slot.dataKey != null) {
                    if (key != null) {
                      inUse.remove(key, slot);
                    }
                    slot.dataKey.retire();
                  }
                })
            .buildAsync();
    this.map = cache.asMap();
  }

  /**
   * A data key with one message of {@code plaintextBytes} reserved and a lease taken; the caller
   * must {@link DataKey#release()} it.
   */
  DataKey lease(LogicalKey key, long plaintextBytes) {
    if (key.dataKeyCache().disabled()) {
      counters.encryptMisses.increment();
      DataKey fresh = factory.apply(key, "uncached");
      fresh.tryReserve(plaintextBytes);
      fresh.retire(); // zeroed as soon as the caller releases it
      return fresh;
    }
    Slot current = inUse.get(key);
    if (current != null) {
      if (current.dataKey.tryReserve(plaintextBytes)) {
        counters.encryptHits.increment();
        return current.dataKey;
      }
      inUse.remove(key, current); // used up, expired or retired: Caffeine's entry decides next
    }
    boolean made = false;
    while (true) {
      CompletableFuture<Slot> future = map.get(key);
      if (future == null) {
        CompletableFuture<Slot> mine = new CompletableFuture<>();
        future = map.putIfAbsent(key, mine);
        if (future == null) {
          made = true;
          future = mine;
          Slot slot;
          try {
            String reason = retiredBecause.remove(key.id());
            slot = new Slot(factory.apply(key, reason != null ? reason : "first"), null);
          } catch (RuntimeException e) {
            slot = new Slot(null, e);
          }
          mine.complete(slot);
          if (slot.failure != null) {
            map.remove(key, mine); // not cached: the next caller tries again
          }
        }
      }
      Slot slot = future.join();
      if (slot.failure != null) {
        // Every caller that waited on this attempt gets its failure: one wrap attempt, not one
        // each.
        counters.encryptMisses.increment();
        throw slot.failure;
      }
      if (slot.dataKey.tryReserve(plaintextBytes)) {
        (made ? counters.encryptMisses : counters.encryptHits).increment();
        if (inUse.get(key) != slot) {
          inUse.put(key, slot);
        }
        return slot.dataKey;
      }
      if (map.remove(key, future)) { // used up or expired: retired by the removal listener
        retiredBecause.put(key.id(), slot.dataKey.remainingNanos() <= 0 ? "expired" : "limit");
      }
    }
  }

  /**
   * Retires the data key of every logical key that {@code policy} does not name with exactly the
   * same settings. Entries are keyed by the whole {@link LogicalKey} (equal only when every setting
   * is), so a message under the new policy never finds a data key made for the old settings, even
   * one a message still under the old policy put back after this ran; that one expires at its
   * {@code maxAge}.
   */
  void retainOnly(KeyPolicy policy) {
    map.keySet()
        .removeIf(
            k -> {
              boolean changed = replacedBy(policy, k);
              if (changed) {
                retiredBecause.put(k.id(), "policy");
              }
              return changed;
            });
    // The removal listener took out what it retired; this drops any entry put back by a message
    // that raced the reload (retired, so it could not be used, but it would be kept).
    inUse.keySet().removeIf(k -> replacedBy(policy, k));
  }

  /** True unless {@code policy} names {@code key} with exactly the same settings. */
  private static boolean replacedBy(KeyPolicy policy, LogicalKey key) {
    return !policy.key(key.id()).map(key::equals).orElse(false);
  }

  @Override
  public void close() {
    cache.synchronous().invalidateAll();
    inUse.clear();
  }
}
