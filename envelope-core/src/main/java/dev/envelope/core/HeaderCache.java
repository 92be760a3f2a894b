package dev.envelope.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.function.Supplier;

/**
 * Parsed headers by their exact bytes, per facade (so each facade's limits applied when they were
 * parsed). Envelopes that share a data key and a context share their header bytes; a hit costs a
 * hash and a comparison instead of a parse. Only successfully parsed headers are kept, and a
 * header holds no secret.
 */
final class HeaderCache {
  private final Cache<ByteKey, EnvelopeHeader> cache =
      Caffeine.newBuilder().executor(Runnable::run).maximumSize(4096).build();

  EnvelopeHeader get(byte[] envelope, int headerLength, Supplier<EnvelopeHeader> parse) {
    EnvelopeHeader hit = cache.getIfPresent(ByteKey.view(envelope, 0, headerLength));
    if (hit != null) {
      return hit;
    }
    EnvelopeHeader parsed = parse.get();
    // The key must not alias the caller's array, which it may reuse.
    cache.put(ByteKey.copyOf(envelope, 0, headerLength), parsed);
    return parsed;
  }
}
