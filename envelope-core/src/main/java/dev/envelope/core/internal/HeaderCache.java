package dev.envelope.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.format.HeaderCodec;
import java.io.IOException;
import java.io.InputStream;

/**
 * Parsed headers by their exact bytes, per facade (so each facade's limits applied when they were
 * parsed). Envelopes that share a data key and a context share their header bytes; a hit costs a
 * hash and a comparison instead of a parse. Only successfully parsed headers are kept, and a header
 * holds no secret.
 */
public final class HeaderCache {
  private final EnvelopeLimits limits;
  private final Cache<ByteKey, CachedHeader> cache =
      Caffeine.newBuilder().executor(Runnable::run).maximumSize(4096).build();

  HeaderCache(EnvelopeLimits limits) {
    this.limits = limits;
  }

  /** The header at the start of a whole envelope. */
  CachedHeader parse(byte[] envelope) {
    return get(envelope, HeaderCodec.headerLength(envelope, limits));
  }

  /** The header read from a stream, which is left positioned at the body. */
  CachedHeader read(InputStream in) throws IOException {
    byte[] header = HeaderCodec.readHeader(in, limits);
    return get(header, header.length);
  }

  /** The header of exactly {@code header}'s bytes. */
  CachedHeader get(byte[] header) {
    return get(header, header.length);
  }

  private CachedHeader get(byte[] bytes, int headerLength) {
    CachedHeader hit = cache.getIfPresent(ByteKey.view(bytes, 0, headerLength));
    if (hit != null) {
      return hit;
    }
    CachedHeader parsed = new CachedHeader(HeaderCodec.decode(bytes, headerLength, limits));
    // The key must not alias the caller's array, which it may reuse.
    cache.put(ByteKey.copyOf(bytes, 0, headerLength), parsed);
    return parsed;
  }
}
