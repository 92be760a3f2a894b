package dev.envelope.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.SortedMap;

/**
 * Opens envelopes of the facade's policy: parses the header (through the facade's header cache),
 * compares the context, finds the data key and hands the body to its {@link Body}.
 */
final class Decryptor {
  private final KeyPolicy policy;
  private final EnvelopeLimits limits;
  private final HeaderCache headers;
  private final Unwrapper unwrapper;

  Decryptor(KeyPolicy policy, EnvelopeLimits limits, HeaderCache headers, Unwrapper unwrapper) {
    this.policy = policy;
    this.limits = limits;
    this.headers = headers;
    this.unwrapper = unwrapper;
  }

  EnvelopeHeader parse(byte[] envelope) {
    return HeaderCodec.parse(envelope, limits, headers);
  }

  byte[] decrypt(EnvelopeHeader header, byte[] envelope, Map<String, String> context) {
    requireContext(header, context);
    LogicalKey key = policy.requireKeyOf(header.logicalKeyId);
    Body body = Bodies.of(header.algorithm);
    int bodyLength = envelope.length - header.length;
    body.requireStart(bodyLength);
    Unwrapper.Leased found =
        unwrapper.find(key, header, dk -> body.check(dk, header, envelope, header.length));
    try {
      return found.decryption().decrypt(envelope, header.length, bodyLength);
    } finally {
      found.release();
    }
  }

  InputStream decryptingStream(InputStream source, Map<String, String> context) {
    try {
      EnvelopeHeader header = HeaderCodec.read(source, limits, headers);
      requireContext(header, context);
      LogicalKey key = policy.requireKeyOf(header.logicalKeyId);
      Body body = Bodies.of(header.algorithm);
      byte[] start = body.readStart(source, limits);
      Unwrapper.Leased found = unwrapper.find(key, header, dk -> body.check(dk, header, start, 0));
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
      return;  // the common case; the stored context was validated when parsed
    }
    SortedMap<String, String> given = HeaderCodec.checkedContext(context, limits);
    if (!given.equals(header.context)) {
      // Name keys only: values may be identifiers a log need not carry.
      throw new AuthenticationException("the context given does not match the one the envelope"
          + " was sealed with (sealed keys " + header.context.keySet() + ", given keys "
          + given.keySet() + (given.keySet().equals(header.context.keySet()) ? ", values differ" : "")
          + ")");
    }
  }
}
