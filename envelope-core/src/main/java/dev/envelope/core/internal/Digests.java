package dev.envelope.core.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 names for public bytes (headers, wrapped keys) in audit events. */
final class Digests {
  private Digests() {}

  /** {@code sha256:} and the hex SHA-256 of {@code bytes[0..length)}. */
  static String sha256(byte[] bytes, int length) {
    MessageDigest md = sha256();
    md.update(bytes, 0, length);
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /** The first 16 hex digits of the SHA-256 of {@code bytes}. */
  static String shortHex(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes), 0, 8);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
