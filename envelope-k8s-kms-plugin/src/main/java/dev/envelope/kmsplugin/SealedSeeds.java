package dev.envelope.kmsplugin;

import com.google.protobuf.ByteString;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;

/**
 * How an envelope travels in the KMS v2 messages. An envelope of at most {@link #MAX_CIPHERTEXT}
 * bytes is the {@code ciphertext} itself, with no annotations. A larger one — several KEKs, or an
 * X-Wing or RSA-4096 recipient — goes whole into the annotation {@value #ANNOTATION} (at most 32
 * KiB with its key), and the ciphertext is {@code EVA1} followed by the envelope's SHA-256, which
 * binds the two: a changed annotation or ciphertext is refused before any KEK is asked.
 */
final class SealedSeeds {
  /** kube-apiserver's limit on the ciphertext. */
  static final int MAX_CIPHERTEXT = 1024;

  /** kube-apiserver's limit on all annotations, keys and values together. */
  static final int MAX_ANNOTATIONS = 32 * 1024;

  /** The annotation that carries a large envelope (a fully qualified domain name, as required). */
  static final String ANNOTATION = "envelope.kms.envelope.dev";

  private static final byte[] MARKER = {'E', 'V', 'A', '1'};

  /** What Encrypt returns. */
  record Packed(ByteString ciphertext, Map<String, ByteString> annotations) {}

  private SealedSeeds() {}

  /**
   * @throws IllegalArgumentException if even the annotation cannot hold the envelope
   */
  static Packed pack(byte[] envelope) {
    if (envelope.length <= MAX_CIPHERTEXT) {
      return new Packed(ByteString.copyFrom(envelope), Map.of());
    }
    if (envelope.length + ANNOTATION.length() > MAX_ANNOTATIONS) {
      throw new IllegalArgumentException(
          "the envelope is "
              + envelope.length
              + " bytes, above what the ciphertext (1024) and annotations (32 KiB) can carry;"
              + " the logical key has too many or too large recipients");
    }
    byte[] marker = new byte[MARKER.length + 32];
    System.arraycopy(MARKER, 0, marker, 0, MARKER.length);
    System.arraycopy(sha256(envelope), 0, marker, MARKER.length, 32);
    return new Packed(
        ByteString.copyFrom(marker), Map.of(ANNOTATION, ByteString.copyFrom(envelope)));
  }

  /**
   * The envelope a Decrypt request carries.
   *
   * @throws IllegalArgumentException if the ciphertext and annotations do not belong together
   */
  static byte[] unpack(ByteString ciphertext, Map<String, ByteString> annotations) {
    byte[] c = ciphertext.toByteArray();
    boolean marked =
        c.length == MARKER.length + 32
            && Arrays.equals(c, 0, MARKER.length, MARKER, 0, MARKER.length);
    if (!marked) {
      if (!annotations.isEmpty()) {
        throw new IllegalArgumentException(
            "annotations " + annotations.keySet() + " were not returned with this ciphertext");
      }
      return c;
    }
    ByteString value = annotations.get(ANNOTATION);
    if (value == null || annotations.size() != 1) {
      throw new IllegalArgumentException(
          "the ciphertext refers to the annotation "
              + ANNOTATION
              + ", which is missing or not alone");
    }
    byte[] envelope = value.toByteArray();
    if (!MessageDigest.isEqual(sha256(envelope), Arrays.copyOfRange(c, MARKER.length, c.length))) {
      throw new IllegalArgumentException("the annotation does not match the ciphertext's digest");
    }
    return envelope;
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
