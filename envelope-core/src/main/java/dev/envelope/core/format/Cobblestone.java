package dev.envelope.core.format;

import dev.envelope.core.AuthenticationException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Cobblestone-256: c2sp.org/chunked-encryption with AES-256-GCM and HKDF-Expand-SHA-512, exactly as
 * specified there and checked against Wycheproof's vectors.
 *
 * <p>Body = salt (24) || commitment (32) || chunk_0 || ... || chunk_n, where every chunk but the
 * last holds 16 KiB of plaintext plus a 16-byte tag and the last holds less than 16 KiB (possibly
 * nothing). The message key, base nonce and commitment come from HKDF-Expand(input key, label ||
 * salt || context); the chunk nonce is the base nonce XOR the chunk index.
 */
public final class Cobblestone {
  public static final int KEY_BYTES = 32;
  public static final int NONCE_BYTES = 12;
  public static final int COMMITMENT_BYTES = 32;
  public static final int SALT_BYTES = 24;
  public static final int TAG_BYTES = 16;
  public static final int CHUNK_BYTES = 16384;
  public static final int SEALED_CHUNK_BYTES = CHUNK_BYTES + TAG_BYTES;
  public static final int PREFIX_BYTES = SALT_BYTES + COMMITMENT_BYTES;

  /** The spec's hard ceiling on chunks per message (2^38, 4 PiB). */
  public static final long MAX_CHUNKS = 1L << 38;

  private static final byte[] INFO_PREFIX =
      "c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\0".getBytes(StandardCharsets.US_ASCII);

  private Cobblestone() {}

  /** The message key, base nonce and commitment of one message. */
  static final class MessageKeys {
    final AesKey key;
    final byte[] baseNonce;
    final byte[] commitment;

    private MessageKeys(AesKey key, byte[] baseNonce, byte[] commitment) {
      this.key = key;
      this.baseNonce = baseNonce;
      this.commitment = commitment;
    }
  }

  /**
   * Derives the message keys. The input key must be exactly 32 bytes (the AEAD's key size).
   *
   * @throws IllegalArgumentException on a wrong input key size or salt size
   */
  public static MessageKeys derive(byte[] inputKey, byte[] salt, byte[] context) {
    return derive(prf(inputKey), salt, context);
  }

  /** The HKDF-Expand PRF keyed by an input key, prepared once per data key. */
  public static KeyedHmac prf(byte[] inputKey) {
    if (inputKey.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "data key must be " + KEY_BYTES + " bytes, got " + inputKey.length);
    }
    return new KeyedHmac("SHA-512", inputKey);
  }

  /** Derives the message keys with a prepared PRF (see {@link #prf}). */
  public static MessageKeys derive(KeyedHmac prf, byte[] salt, byte[] context) {
    if (salt.length != SALT_BYTES) {
      throw new IllegalArgumentException("salt must be " + SALT_BYTES + " bytes");
    }
    byte[] info = new byte[INFO_PREFIX.length + SALT_BYTES + context.length];
    System.arraycopy(INFO_PREFIX, 0, info, 0, INFO_PREFIX.length);
    System.arraycopy(salt, 0, info, INFO_PREFIX.length, SALT_BYTES);
    System.arraycopy(context, 0, info, INFO_PREFIX.length + SALT_BYTES, context.length);
    byte[] okm = prf.expand(info, KEY_BYTES + NONCE_BYTES + COMMITMENT_BYTES);
    try {
      AesKey key = new AesKey(okm, 0, KEY_BYTES);
      byte[] nonce = Arrays.copyOfRange(okm, KEY_BYTES, KEY_BYTES + NONCE_BYTES);
      byte[] commitment = Arrays.copyOfRange(okm, KEY_BYTES + NONCE_BYTES, okm.length);
      return new MessageKeys(key, nonce, commitment);
    } finally {
      Arrays.fill(okm, (byte) 0);
    }
  }

  /**
   * Derives the message keys for decryption and checks the commitment in constant time.
   *
   * @return the keys, or null if the commitment does not match (wrong key or context, or altered)
   */
  public static MessageKeys deriveAndCheck(byte[] inputKey, byte[] context, byte[] body, int off) {
    return deriveAndCheck(prf(inputKey), context, body, off);
  }

  /** As {@link #deriveAndCheck(byte[], byte[], byte[], int)} with a prepared PRF. */
  public static MessageKeys deriveAndCheck(KeyedHmac prf, byte[] context, byte[] body, int off) {
    byte[] salt = Arrays.copyOfRange(body, off, off + SALT_BYTES);
    MessageKeys keys = derive(prf, salt, context);
    byte[] stored = Arrays.copyOfRange(body, off + SALT_BYTES, off + PREFIX_BYTES);
    return MessageDigest.isEqual(keys.commitment, stored) ? keys : null;
  }

  /** Body length for a plaintext of {@code n} bytes. */
  public static long bodyLength(long n) {
    long fullChunks = n / CHUNK_BYTES;
    return PREFIX_BYTES + fullChunks * SEALED_CHUNK_BYTES + (n % CHUNK_BYTES) + TAG_BYTES;
  }

  /** Plaintext length for a body of {@code n} bytes, or -1 if no message has that length. */
  public static long plaintextLength(long n) {
    long rest = n - PREFIX_BYTES;
    if (rest < TAG_BYTES) {
      return -1;
    }
    long fullChunks = rest / SEALED_CHUNK_BYTES;
    long last = rest % SEALED_CHUNK_BYTES;
    if (last < TAG_BYTES) {
      return -1;
    }
    return fullChunks * CHUNK_BYTES + last - TAG_BYTES;
  }

  /**
   * Encrypts or decrypts the chunks of one message; one per message, used by one thread at a time.
   */
  static final class ChunkCipher {
    private final MessageKeys keys;
    private final Cipher cipher;
    private final byte[] nonce = new byte[NONCE_BYTES];

    /**
     * @param cipher {@link Gcm#newCipher()} for a stream, which may move between threads; {@link
     *     Gcm#borrowed()} only inside one call that finishes the whole message
     */
    ChunkCipher(MessageKeys keys, Cipher cipher) {
      this.keys = keys;
      this.cipher = cipher;
    }

    /**
     * Seals {@code len} (≤ 16 KiB) plaintext bytes as chunk {@code index}; returns bytes written.
     */
    int encrypt(long index, byte[] in, int off, int len, byte[] out, int outOff) {
      try {
        cipher.init(Cipher.ENCRYPT_MODE, keys.key, nonceFor(index));
        return cipher.doFinal(in, off, len, out, outOff);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM encryption failed", e);
      }
    }

    /**
     * Opens chunk {@code index} ({@code len} bytes including the tag) into {@code out}; writes
     * nothing unless the tag verifies.
     *
     * @throws AuthenticationException if the chunk does not authenticate at this index
     */
    int decrypt(long index, byte[] in, int off, int len, byte[] out, int outOff) {
      try {
        cipher.init(Cipher.DECRYPT_MODE, keys.key, nonceFor(index));
        return cipher.doFinal(in, off, len, out, outOff);
      } catch (AEADBadTagException e) {
        throw new AuthenticationException(
            "chunk "
                + index
                + " of the envelope body did not authenticate: the envelope was"
                + " altered, truncated or reordered");
      } catch (ShortBufferException e) {
        throw new IllegalStateException("chunk buffer too small", e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM decryption failed", e);
      }
    }

    private GCMParameterSpec nonceFor(long index) {
      if (index < 0 || index >= MAX_CHUNKS) {
        throw new IllegalStateException("chunk index beyond 2^38: message too long");
      }
      System.arraycopy(keys.baseNonce, 0, nonce, 0, NONCE_BYTES);
      for (int i = 0; i < 8; i++) {
        nonce[NONCE_BYTES - 1 - i] ^= (byte) (index >>> (8 * i));
      }
      return new GCMParameterSpec(TAG_BYTES * 8, nonce);
    }
  }

  /** Encrypts a whole message: returns salt || commitment || chunks. */
  public static byte[] encrypt(byte[] inputKey, byte[] salt, byte[] context, byte[] plaintext) {
    long bodyLength = bodyLength(plaintext.length);
    if (bodyLength > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(
          "plaintext of "
              + plaintext.length
              + " bytes is too large for the byte[] API; use"
              + " encryptingStream");
    }
    byte[] body = new byte[(int) bodyLength];
    int written = encryptInto(inputKey, salt, context, plaintext, body, 0);
    assert written == body.length;
    return body;
  }

  /** Encrypts a whole message into {@code out} at {@code outOff}; returns the bytes written. */
  public static int encryptInto(
      byte[] inputKey, byte[] salt, byte[] context, byte[] plaintext, byte[] out, int outOff) {
    return encryptInto(prf(inputKey), salt, context, plaintext, out, outOff);
  }

  /** As {@link #encryptInto(byte[], byte[], byte[], byte[], byte[], int)} with a prepared PRF. */
  public static int encryptInto(
      KeyedHmac prf, byte[] salt, byte[] context, byte[] plaintext, byte[] out, int outOff) {
    MessageKeys keys = derive(prf, salt, context);
    System.arraycopy(salt, 0, out, outOff, SALT_BYTES);
    System.arraycopy(keys.commitment, 0, out, outOff + SALT_BYTES, COMMITMENT_BYTES);
    ChunkCipher chunks = new ChunkCipher(keys, Gcm.borrowed());
    int in = 0;
    int pos = outOff + PREFIX_BYTES;
    long index = 0;
    while (true) {
      int n = Math.min(CHUNK_BYTES, plaintext.length - in);
      pos += chunks.encrypt(index++, plaintext, in, n, out, pos);
      in += n;
      if (n < CHUNK_BYTES) {
        return pos - outOff;
      }
    }
  }

  /**
   * Authenticates every chunk of a body whose commitment was already checked, through one chunk of
   * scratch space that is zeroed afterwards: what {@link #decryptChunks} checks, without keeping
   * the plaintext.
   *
   * @throws AuthenticationException if the body is truncated, extended or altered
   */
  public static void verifyChunks(MessageKeys keys, byte[] body, int off, int len) {
    if (plaintextLength(len) < 0) {
      throw new AuthenticationException(
          "the envelope body has an impossible length: it was truncated or extended");
    }
    byte[] scratch = new byte[Math.min(CHUNK_BYTES, len)];
    ChunkCipher chunks = new ChunkCipher(keys, Gcm.borrowed());
    int pos = off + PREFIX_BYTES;
    int end = off + len;
    long index = 0;
    try {
      while (pos < end) {
        int n = Math.min(SEALED_CHUNK_BYTES, end - pos);
        chunks.decrypt(index++, body, pos, n, scratch, 0);
        pos += n;
      }
    } finally {
      Arrays.fill(scratch, (byte) 0);
    }
  }

  /**
   * Copies the chunks of a body from {@code source} to {@code sink}, writing each sealed chunk only
   * after it authenticated; the plaintext goes to a scratch chunk that is zeroed afterwards. Ends
   * after a short final chunk and refuses anything after it, as a decrypting stream does.
   *
   * @throws AuthenticationException if the body is truncated, extended or altered
   */
  public static void copyAuthenticated(
      MessageKeys keys, java.io.InputStream source, java.io.OutputStream sink)
      throws java.io.IOException {
    byte[] sealed = new byte[SEALED_CHUNK_BYTES];
    byte[] scratch = new byte[CHUNK_BYTES];
    ChunkCipher chunks = new ChunkCipher(keys, Gcm.newCipher());
    long index = 0;
    try {
      while (true) {
        int n = source.readNBytes(sealed, 0, SEALED_CHUNK_BYTES);
        if (n < TAG_BYTES) {
          throw new AuthenticationException(
              "the envelope is truncated: it ends "
                  + (index == 0 ? "before its first chunk" : "after chunk " + (index - 1))
                  + " without the final chunk");
        }
        chunks.decrypt(index++, sealed, 0, n, scratch, 0);
        sink.write(sealed, 0, n);
        if (n < SEALED_CHUNK_BYTES) {
          if (source.read() != -1) {
            throw new AuthenticationException(
                "the envelope has bytes after its final chunk: it was altered");
          }
          return;
        }
      }
    } finally {
      Arrays.fill(scratch, (byte) 0);
    }
  }

  /**
   * Decrypts the chunks of a body whose commitment was already checked with {@link
   * #deriveAndCheck}. On any failure the partial plaintext is zeroed before the exception leaves.
   *
   * @throws AuthenticationException if the body is truncated, extended or altered
   */
  public static byte[] decryptChunks(MessageKeys keys, byte[] body, int off, int len) {
    long plaintextLength = plaintextLength(len);
    if (plaintextLength < 0) {
      throw new AuthenticationException(
          "the envelope body has an impossible length: it was truncated or extended");
    }
    byte[] plaintext = new byte[(int) plaintextLength];
    ChunkCipher chunks = new ChunkCipher(keys, Gcm.borrowed());
    int pos = off + PREFIX_BYTES;
    int end = off + len;
    int out = 0;
    long index = 0;
    try {
      while (pos < end) {
        int n = Math.min(SEALED_CHUNK_BYTES, end - pos);
        out += chunks.decrypt(index++, body, pos, n, plaintext, out);
        pos += n;
      }
      return plaintext;
    } catch (RuntimeException e) {
      Arrays.fill(plaintext, (byte) 0);
      throw e;
    }
  }
}
