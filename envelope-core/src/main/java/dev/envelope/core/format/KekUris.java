package dev.envelope.core.format;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Syntax of KEK URIs and the 8-byte reference an envelope records for each. */
public final class KekUris {
  /** Longest KEK URI a policy may name. */
  public static final int MAX_LENGTH = 2048;

  /**
   * Printable ASCII without spaces. The length is checked apart from the pattern so that the same
   * rule reads the same in RE2 (the CRD schema's regex engine), which caps repetitions at 1000.
   */
  private static final Pattern URI = Pattern.compile("[a-z][a-z0-9+.-]{0,31}://[\\x21-\\x7e]+");

  private KekUris() {}

  public static boolean isValid(String uri) {
    return uri != null && uri.length() <= MAX_LENGTH && URI.matcher(uri).matches();
  }

  public static String scheme(String uri) {
    return uri.substring(0, uri.indexOf("://")); // lower case already: isValid requires it
  }

  /** First 8 bytes of SHA-256 over the URI's UTF-8 bytes, exactly as the policy spells it. */
  public static byte[] reference(String uri) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(uri.getBytes(StandardCharsets.UTF_8));
      return Arrays.copyOf(digest, HeaderCodec.KEK_REF_BYTES);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  public static String hex(byte[] reference) {
    return HexFormat.of().formatHex(reference);
  }
}
