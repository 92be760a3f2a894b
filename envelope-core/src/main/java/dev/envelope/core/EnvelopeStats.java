package dev.envelope.core;

import java.util.Map;

/**
 * Counters of an {@link Envelope} since it was built, for metrics: data key cache hits and misses
 * on both sides, and calls to each KEK (each one a KMS or HSM call for remote KEKs). A snapshot;
 * take a new one to see new counts.
 *
 * @param encryptCacheHits encrypts that reused a cached data key
 * @param encryptCacheMisses encrypts that made a new data key (and wrapped it)
 * @param decryptCacheHits decrypts whose data key was already unwrapped
 * @param decryptCacheMisses unwraps performed for decrypt or rewrap
 * @param wrapCalls wrap calls per KEK URI, successful or not
 * @param unwrapCalls unwrap calls per KEK URI, successful or not
 * @param auditEvents audit events the sink took
 * @param auditDropped audit events dropped because the sink fell behind (0 without a sink)
 */
public record EnvelopeStats(
    long encryptCacheHits,
    long encryptCacheMisses,
    long decryptCacheHits,
    long decryptCacheMisses,
    Map<String, Long> wrapCalls,
    Map<String, Long> unwrapCalls,
    long auditEvents,
    long auditDropped) {

  /** Copies the maps. */
  public EnvelopeStats {
    wrapCalls = Map.copyOf(wrapCalls);
    unwrapCalls = Map.copyOf(unwrapCalls);
  }

  /** Wrap calls to {@code kekUri} (0 if none). */
  public long wrapCalls(String kekUri) {
    return wrapCalls.getOrDefault(kekUri, 0L);
  }

  /** Unwrap calls to {@code kekUri} (0 if none). */
  public long unwrapCalls(String kekUri) {
    return unwrapCalls.getOrDefault(kekUri, 0L);
  }
}
