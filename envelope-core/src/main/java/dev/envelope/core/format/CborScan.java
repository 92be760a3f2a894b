package dev.envelope.core.format;

import dev.envelope.core.MalformedEnvelopeException;

/**
 * A linear pre-check of a header's CBOR before Jackson parses it: walks every item head once and
 * refuses what format v1 never contains — tags, floats and simple values, indefinite lengths,
 * reserved additional-information values, nesting deeper than the format's two levels — and any
 * length that points past the input. Jackson would otherwise do work for such items first (a run of
 * tag bytes costs it allocation per tag, quadratic over a run), and only then fail.
 *
 * <p>What passes is well-formed definite-length CBOR of major types 0–5 whose every length fits the
 * input; the strict field-by-field decoding and the determinism check come after.
 */
public final class CborScan {
  /** The format's deepest nesting: a map or array inside the top-level map or array. */
  private static final int MAX_DEPTH = 2;

  private CborScan() {}

  /**
   * Checks {@code bytes[off, off + len)} holds exactly one CBOR item of the allowed kinds.
   *
   * @throws MalformedEnvelopeException naming {@code what} and the offending offset
   */
  public static void check(byte[] bytes, int off, int len, String what) {
    int end = off + len;
    // remaining[d] = items still to read at depth d (a map counts keys and values).
    long[] remaining = new long[MAX_DEPTH + 2];
    int depth = 0;
    remaining[0] = 1;
    int pos = off;
    while (true) {
      while (depth > 0 && remaining[depth] == 0) {
        depth--;
      }
      if (remaining[depth] == 0) {
        break; // the top-level item is complete
      }
      if (pos >= end) {
        throw new MalformedEnvelopeException("the " + what + " is truncated");
      }
      remaining[depth]--;
      int head = bytes[pos] & 0xff;
      int major = head >>> 5;
      int info = head & 0x1f;
      int at = pos - off;
      pos++;
      if (major == 6) {
        throw new MalformedEnvelopeException(
            "the " + what + " holds a CBOR tag at byte " + at + "; format v1 uses none");
      }
      if (major == 7) {
        throw new MalformedEnvelopeException(
            "the "
                + what
                + " holds a CBOR float or simple value"
                + " at byte "
                + at
                + "; format v1 uses none");
      }
      long argument;
      if (info < 24) {
        argument = info;
      } else if (info <= 27) {
        int n = 1 << (info - 24);
        if (end - pos < n) {
          throw new MalformedEnvelopeException("the " + what + " is truncated");
        }
        argument = 0;
        for (int i = 0; i < n; i++) {
          argument = (argument << 8) | (bytes[pos++] & 0xff);
        }
      } else {
        throw new MalformedEnvelopeException(
            "the "
                + what
                + " has "
                + (info == 31 ? "an indefinite-length item" : "a reserved CBOR item head")
                + " at byte "
                + at
                + "; format v1 uses definite lengths only");
      }
      switch (major) {
        case 0, 1 -> {}
        case 2, 3 -> {
          // Unsigned comparison: an 8-byte length of 2^63 or more is negative here.
          if (argument < 0 || argument > end - pos) {
            throw new MalformedEnvelopeException(
                "a string in the " + what + " claims more bytes than the " + what + " holds");
          }
          pos += (int) argument;
        }
        default -> { // 4 = array, 5 = map
          if (depth == MAX_DEPTH) {
            throw new MalformedEnvelopeException(
                "the " + what + " nests deeper than format v1 allows");
          }
          long items = major == 5 ? argument * 2 : argument;
          // Every item takes at least one byte: a count beyond what is left cannot be honest.
          if (argument < 0 || argument > end - pos || items > end - pos) {
            throw new MalformedEnvelopeException(
                "an array or map in the "
                    + what
                    + " claims more items than the "
                    + what
                    + " holds");
          }
          remaining[++depth] = items;
        }
      }
    }
    if (pos != end) {
      throw new MalformedEnvelopeException("extra bytes after the " + what);
    }
  }
}
