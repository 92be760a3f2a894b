package dev.envelope.core.internal;

import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.format.Bodies;
import dev.envelope.core.format.Body;
import dev.envelope.core.format.Cobblestone256Body;
import dev.envelope.core.format.HeaderCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.SortedMap;

/**
 * Seals messages under a logical key's current data key: the {@code byte[]} form with the body its
 * size calls for ({@link Bodies#forMessage}), streams always with Cobblestone-256.
 */
public final class Encryptor {
  private final EnvelopeLimits limits;
  private final EncryptKeyCache dataKeys;

  Encryptor(EnvelopeLimits limits, EncryptKeyCache dataKeys) {
    this.limits = limits;
    this.dataKeys = dataKeys;
  }

  public byte[] encrypt(LogicalKey key, byte[] plaintext, Map<String, String> context) {
    Body body = Bodies.forMessage(plaintext.length, limits);
    DataKey dataKey = dataKeys.lease(key, plaintext.length);
    try {
      byte[] authenticated =
          dataKey.header(
              body.algorithm(),
              context,
              () ->
                  authenticatedHeader(
                      body, key.id(), HeaderCodec.checkedContext(context, limits), dataKey));
      byte[] recipients = dataKey.encodedRecipients;
      long total = authenticated.length + recipients.length + body.bodyLength(plaintext.length);
      if (total > Integer.MAX_VALUE - 64) {
        throw new IllegalArgumentException(
            "a plaintext of "
                + plaintext.length
                + " bytes is too large for the byte[] API; use encryptingStream");
      }
      byte[] out = new byte[(int) total];
      System.arraycopy(authenticated, 0, out, 0, authenticated.length);
      System.arraycopy(recipients, 0, out, authenticated.length, recipients.length);
      body.encrypt(
          dataKey.derived, authenticated, plaintext, out, authenticated.length + recipients.length);
      return out;
    } finally {
      dataKey.release();
    }
  }

  public OutputStream encryptingStream(
      LogicalKey key, OutputStream sink, Map<String, String> context) {
    SortedMap<String, String> checked = HeaderCodec.checkedContext(context, limits);
    Cobblestone256Body body = Cobblestone256Body.INSTANCE;
    DataKey dataKey = dataKeys.lease(key, 0);
    try {
      byte[] authenticated = authenticatedHeader(body, key.id(), checked, dataKey);
      sink.write(authenticated);
      sink.write(dataKey.encodedRecipients);
      return body.encryptingStream(dataKey.derived, authenticated, sink, dataKey::addBytes);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the envelope header failed", e);
    } finally {
      dataKey.release();
    }
  }

  private byte[] authenticatedHeader(
      Body body, String keyId, SortedMap<String, String> context, DataKey dataKey) {
    byte[] authenticated =
        HeaderCodec.encodeAuthenticated(
            body.algorithm(), keyId, context, body.headerCommitment(dataKey.derived).orElse(null));
    int protectedBytes = authenticated.length - HeaderCodec.PREFIX_BYTES;
    if (protectedBytes > limits.maxProtectedHeaderBytes()) {
      throw new IllegalArgumentException(
          "the key id and context need "
              + protectedBytes
              + " header bytes; at most "
              + limits.maxProtectedHeaderBytes()
              + " allowed (EnvelopeLimits.maxProtectedHeaderBytes)");
    }
    return authenticated;
  }
}
