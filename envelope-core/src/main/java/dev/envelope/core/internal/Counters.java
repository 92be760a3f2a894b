package dev.envelope.core.internal;

import dev.envelope.core.EnvelopeStats;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link EnvelopeStats}; contention-free on the hot path. */
final class Counters {
  final LongAdder encryptHits = new LongAdder();
  final LongAdder encryptMisses = new LongAdder();
  final LongAdder decryptHits = new LongAdder();
  final LongAdder decryptMisses = new LongAdder();
  private final ConcurrentHashMap<String, LongAdder> wraps = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> unwraps = new ConcurrentHashMap<>();

  void wrapCalled(String uri) {
    wraps.computeIfAbsent(uri, u -> new LongAdder()).increment();
  }

  void unwrapCalled(String uri) {
    unwraps.computeIfAbsent(uri, u -> new LongAdder()).increment();
  }

  EnvelopeStats snapshot(AuditTrail audit) {
    return new EnvelopeStats(
        encryptHits.sum(),
        encryptMisses.sum(),
        decryptHits.sum(),
        decryptMisses.sum(),
        sums(wraps),
        sums(unwraps),
        audit.delivered(),
        audit.dropped());
  }

  private static Map<String, Long> sums(Map<String, LongAdder> counters) {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
