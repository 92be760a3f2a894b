package dev.envelope.core.internal;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.format.Bodies;
import dev.envelope.core.format.Body;
import dev.envelope.core.format.EnvelopeHeader;
import dev.envelope.core.format.HeaderCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.SortedMap;

/**
 * Opens envelopes of the facade's policy: parses the header (through the facade's header cache),
 * compares the context, finds the data key and hands the body to its {@link Body}.
 */
public final class Decryptor {
  private final EnvelopeLimits limits;
  private final HeaderCache headers;
  private final Unwrapper unwrapper;

  Decryptor(EnvelopeLimits limits, Unwrapper unwrapper) {
    this.limits = limits;
    this.headers = new HeaderCache(limits);
    this.unwrapper = unwrapper;
  }

  /** The header of a whole envelope, through the facade's header cache. */
  public CachedHeader parse(byte[] envelope) {
    return headers.parse(envelope);
  }

  /** Opens {@code envelope}, whose header {@link #parse} returned, under {@code policy}. */
  public byte[] decrypt(
      KeyPolicy policy, CachedHeader cached, byte[] envelope, Map<String, String> context) {
    EnvelopeHeader header = cached.header;
    requireContext(header, context);
    LogicalKey key = PolicyKeys.requireSealedUnder(policy, header.logicalKeyId);
    Body body = Bodies.of(header.algorithm);
    int bodyLength = envelope.length - header.length;
    body.requireStart(bodyLength);
    Unwrapper.Leased found =
        unwrapper.find(key, cached, dk -> body.check(dk.derived, header, envelope, header.length));
    try {
      return found.decryption().decrypt(envelope, header.length, bodyLength);
    } finally {
      found.release();
    }
  }

  public InputStream decryptingStream(
      KeyPolicy policy, InputStream source, Map<String, String> context) {
    try {
      CachedHeader cached = headers.read(source);
      EnvelopeHeader header = cached.header;
      requireContext(header, context);
      LogicalKey key = PolicyKeys.requireSealedUnder(policy, header.logicalKeyId);
      Body body = Bodies.of(header.algorithm);
      byte[] start = body.readStart(source, limits);
      Unwrapper.Leased found =
          unwrapper.find(key, cached, dk -> body.check(dk.derived, header, start, 0));
      try {
        return found.decryption().decryptingStream(start, source);
      } finally {
        found.release();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the envelope failed", e);
    }
  }

  private void requireContext(EnvelopeHeader header, Map<String, String> context) {
    if (context != null && header.context.equals(context)) {
      return; // the common case; the stored context was validated when parsed
    }
    SortedMap<String, String> given = HeaderCodec.checkedContext(context, limits);
    if (!given.equals(header.context)) {
      // Name keys only: values may be identifiers a log need not carry.
      throw new AuthenticationException(
          "the context given does not match the one the envelope"
              + " was sealed with (sealed keys "
              + header.context.keySet()
              + ", given keys "
              + given.keySet()
              + (given.keySet().equals(header.context.keySet()) ? ", values differ" : "")
              + ")");
    }
  }
}
