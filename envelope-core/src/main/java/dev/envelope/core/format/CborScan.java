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
 * input; the strict field-by-field decoding and the determinism check come after. One scan per
 * call; not thread-safe (it is created and used inside {@link #check}).
 */
public final class CborScan {
  /** The format's deepest nesting: a map or array inside the top-level map or array. */
  private static final int MAX_DEPTH = 2;

  private final byte[] bytes;
  private final int off;
  private final int end;
  private final String what;

  /** Items still to read at each depth (a map counts its keys and values). */
  private final long[] remaining = new long[MAX_DEPTH + 2];

  private int depth;
  private int pos;

  private CborScan(byte[] bytes, int off, int len, String what) {
    this.bytes = bytes;
    this.off = off;
    this.end = off + len;
    this.what = what;
    this.pos = off;
    this.remaining[0] = 1;
  }

  /**
   * Checks {@code bytes[off, off + len)} holds exactly one CBOR item of the allowed kinds.
   *
   * @throws MalformedEnvelopeException naming {@code what} and the offending offset
   */
  public static void check(byte[] bytes, int off, int len, String what) {
    new CborScan(bytes, off, len, what).run();
  }

  private void run() {
    while (nextItemIsDue()) {
      item();
    }
    if (pos != end) {
      throw malformed("extra bytes after the " + what);
    }
  }

  /** Closes finished arrays and maps; false once the top-level item is complete. */
  private boolean nextItemIsDue() {
    while (depth > 0 && remaining[depth] == 0) {
      depth--;
    }
    return remaining[depth] > 0;
  }

  private void item() {
    if (pos >= end) {
      throw malformed("the " + what + " is truncated");
    }
    remaining[depth]--;
    int at = pos - off;
    int head = bytes[pos++] & 0xff;
    int major = head >>> 5;
    if (major == 6) {
      throw malformed("the " + what + " holds a CBOR tag at byte " + at + "; format v1 uses none");
    }
    if (major == 7) {
      throw malformed(
          "the "
              + what
              + " holds a CBOR float or simple value at byte "
              + at
              + "; format v1 uses none");
    }
    long argument = argument(head & 0x1f, at);
    if (major == 2 || major == 3) {
      skipString(argument);
    } else if (major == 4 || major == 5) {
      open(major == 5 ? 2 : 1, argument);
    }
  }

  /** The head's argument: a count, a length or an integer's value. */
  private long argument(int info, int at) {
    if (info < 24) {
      return info;
    }
    if (info > 27) {
      throw malformed(
          "the "
              + what
              + " has "
              + (info == 31 ? "an indefinite-length item" : "a reserved CBOR item head")
              + " at byte "
              + at
              + "; format v1 uses definite lengths only");
    }
    int n = 1 << (info - 24);
    if (end - pos < n) {
      throw malformed("the " + what + " is truncated");
    }
    long argument = 0;
    for (int i = 0; i < n; i++) {
      argument = (argument << 8) | (bytes[pos++] & 0xff);
    }
    return argument;
  }

  private void skipString(long length) {
    // An 8-byte length of 2^63 or more is negative here: refused like any other overlong one.
    if (length < 0 || length > end - pos) {
      throw malformed("a string in the " + what + " claims more bytes than the " + what + " holds");
    }
    pos += (int) length;
  }

  private void open(int itemsPerEntry, long entries) {
    if (depth == MAX_DEPTH) {
      throw malformed("the " + what + " nests deeper than format v1 allows");
    }
    // Every item takes at least one byte: a count beyond what is left cannot be honest.
    if (entries < 0 || entries > end - pos || entries * itemsPerEntry > end - pos) {
      throw malformed(
          "an array or map in the " + what + " claims more items than the " + what + " holds");
    }
    remaining[++depth] = entries * itemsPerEntry;
  }

  private static MalformedEnvelopeException malformed(String message) {
    return new MalformedEnvelopeException(message);
  }
}
