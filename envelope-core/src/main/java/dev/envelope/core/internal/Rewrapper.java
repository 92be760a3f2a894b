package dev.envelope.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.format.Bodies;
import dev.envelope.core.format.Body;
import dev.envelope.core.format.EnvelopeHeader;
import dev.envelope.core.format.HeaderCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Re-wraps envelopes' data keys under the policy's current {@code keks}. A data key is wrapped anew
 * only once the header it came with authenticated under it (FORMAT.md §7), and a rewrap succeeds
 * only if the whole envelope authenticated, as decrypt (given the stored context) would.
 */
public final class Rewrapper {
  private final EnvelopeLimits limits;
  private final Unwrapper unwrapper;
  private final Wrapper wrapper;

  /** The new recipients made for a data key, and the logical key (settings) they were made for. */
  private record Wrapped(LogicalKey key, byte[] recipients) {}

  /**
   * New recipients per data key, so that envelopes sharing a data key (as every envelope sealed
   * under one cached data key does) cost one wrap per KEK in a bulk rewrap, not one per envelope.
   * Keyed by the data key object (identity, weakly held): the decrypt cache hands out one object
   * per wrapped key. Wrapped keys are not secret; a hit is used only for the same settings.
   */
  private final Cache<DataKey, Wrapped> wrapped =
      Caffeine.newBuilder().weakKeys().maximumSize(10_000).executor(Runnable::run).build();

  Rewrapper(EnvelopeLimits limits, Unwrapper unwrapper, Wrapper wrapper) {
    this.limits = limits;
    this.unwrapper = unwrapper;
    this.wrapper = wrapper;
  }

  /** The data key wrapped under {@code key}'s keks: made once per data key and settings. */
  private byte[] recipientsFor(LogicalKey key, DataKey dataKey) {
    Wrapped w = wrapped.getIfPresent(dataKey);
    if (w != null && w.key().equals(key)) {
      return w.recipients();
    }
    // Concurrent rewraps of envelopes sharing this data key wait for one wrap (get coalesces).
    w =
        wrapped
            .asMap()
            .compute(
                dataKey,
                (k, old) ->
                    old != null && old.key().equals(key)
                        ? old
                        : new Wrapped(key, wrapper.wrapAll(key, k.dek)));
    return w.recipients();
  }

  public byte[] rewrap(KeyPolicy policy, byte[] envelope) {
    EnvelopeHeader header = HeaderCodec.parse(envelope, limits);
    LogicalKey key = PolicyKeys.requireSealedUnder(policy, header.logicalKeyId);
    Body body = Bodies.of(header.algorithm);
    int bodyLength = envelope.length - header.length;
    body.requireStart(bodyLength);
    Unwrapper.Leased found =
        unwrapper.find(key, header, dk -> body.check(dk.derived, header, envelope, header.length));
    byte[] recipients;
    try {
      found.decryption().authenticate(envelope, header.length, bodyLength);
      recipients = recipientsFor(key, found.dataKey());
    } finally {
      found.release();
    }
    byte[] out = new byte[header.authenticated.length + recipients.length + bodyLength];
    System.arraycopy(header.authenticated, 0, out, 0, header.authenticated.length);
    System.arraycopy(recipients, 0, out, header.authenticated.length, recipients.length);
    System.arraycopy(
        envelope, header.length, out, header.authenticated.length + recipients.length, bodyLength);
    return out;
  }

  public void rewrap(KeyPolicy policy, InputStream source, OutputStream sink) {
    try {
      EnvelopeHeader header = HeaderCodec.read(source, limits);
      LogicalKey key = PolicyKeys.requireSealedUnder(policy, header.logicalKeyId);
      Body body = Bodies.of(header.algorithm);
      byte[] start = body.readStart(source, limits);
      Unwrapper.Leased found =
          unwrapper.find(key, header, dk -> body.check(dk.derived, header, start, 0));
      byte[] recipients;
      try {
        // Only the tag authenticates this header: the whole body (all of it in start, the
        // source at its end) must verify before the data key is wrapped anew.
        boolean bodyAuthenticated = !body.commitmentCoversHeader();
        if (bodyAuthenticated) {
          found.decryption().authenticate(start, 0, start.length);
        }
        recipients = recipientsFor(key, found.dataKey());
        sink.write(header.authenticated);
        sink.write(recipients);
        if (bodyAuthenticated) {
          sink.write(start);
        } else {
          found.decryption().copyAuthenticated(start, source, sink);
        }
      } finally {
        found.release();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("rewrapping failed on I/O", e);
    }
  }
}
