package dev.envelope.core.internal;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.audit.AuditEvent.Check;
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
  private final AuditTrail audit;

  Decryptor(EnvelopeLimits limits, Unwrapper unwrapper, AuditTrail audit) {
    this.limits = limits;
    this.headers = new HeaderCache(limits);
    this.unwrapper = unwrapper;
    this.audit = audit;
  }

  /** The header of a whole envelope, through the facade's header cache. */
  public CachedHeader parse(byte[] envelope) {
    return headers.parse(envelope);
  }

  /** Opens {@code envelope}, whose header {@link #parse} returned, under {@code policy}. */
  public byte[] decrypt(
      KeyPolicy policy, CachedHeader cached, byte[] envelope, Map<String, String> context) {
    EnvelopeHeader header = cached.header;
    Check check = Check.CONTEXT;
    try {
      requireContext(header, context);
      LogicalKey key = PolicyKeys.requireSealedUnder(policy, header.logicalKeyId);
      Body body = Bodies.of(header.algorithm);
      int bodyLength = envelope.length - header.length;
      body.requireStart(bodyLength);
      check = Check.DATA_KEY;
      Unwrapper.Leased found =
          unwrapper.find(
              key, cached, dk -> body.check(dk.derived, header, envelope, header.length));
      try {
        check = Check.BODY;
        return found.decryption().decrypt(envelope, header.length, bodyLength);
      } finally {
        found.release();
      }
    } catch (AuthenticationException e) {
      failed(header, envelope, header.length, check);
      throw e;
    }
  }

  public InputStream decryptingStream(
      KeyPolicy policy, InputStream source, Map<String, String> context) {
    try {
      byte[] headerBytes = HeaderCodec.readHeader(source, limits);
      CachedHeader cached = headers.get(headerBytes);
      EnvelopeHeader header = cached.header;
      Check check = Check.CONTEXT;
      try {
        requireContext(header, context);
        LogicalKey key = PolicyKeys.requireSealedUnder(policy, header.logicalKeyId);
        Body body = Bodies.of(header.algorithm);
        byte[] start = body.readStart(source, limits);
        check = Check.DATA_KEY;
        Unwrapper.Leased found =
            unwrapper.find(key, cached, dk -> body.check(dk.derived, header, start, 0));
        try {
          check = Check.BODY;
          InputStream plain = found.decryption().decryptingStream(start, source);
          return audit.enabled()
              ? new AuditedStream(
                  plain, () -> failed(header, headerBytes, headerBytes.length, Check.BODY))
              : plain;
        } finally {
          found.release();
        }
      } catch (AuthenticationException e) {
        failed(header, headerBytes, headerBytes.length, check);
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the envelope failed", e);
    }
  }

  private void failed(EnvelopeHeader header, byte[] bytes, int headerLength, Check check) {
    if (audit.enabled()) {
      audit.record(
          new AuditEvent.AuthenticationFailure(
              audit.now(), header.logicalKeyId, Digests.sha256(bytes, headerLength), check));
    }
  }

  /** A plaintext stream that reports the first authentication failure of its body. */
  private static final class AuditedStream extends java.io.FilterInputStream {
    private final Runnable onFailure;
    private boolean reported;

    AuditedStream(InputStream in, Runnable onFailure) {
      super(in);
      this.onFailure = onFailure;
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (AuthenticationException e) {
        report();
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (AuthenticationException e) {
        report();
        throw e;
      }
    }

    @Override
    public long skip(long n) throws IOException {
      try {
        return in.skip(n);
      } catch (AuthenticationException e) {
        report();
        throw e;
      }
    }

    private void report() {
      if (!reported) {
        reported = true;
        onFailure.run();
      }
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
