package dev.envelope.core;

import java.time.Duration;

/**
 * How long and how much one data key (DEK) may be reused for encryption under a logical key, from
 * the policy's {@code dataKeyCache} (per logical key). A new DEK — and so one wrap per KEK — is
 * made when any limit is reached, so N messages cost about N / maxMessages KMS calls.
 *
 * <pre>{@code
 * dataKeyCache: { maxAge: PT5M, maxMessages: 1000000, maxBytes: 64GiB }   # the defaults
 * dataKeyCache: { maxMessages: 1 }                                         # a fresh DEK per message
 * }</pre>
 *
 * <p>Hard caps the policy cannot exceed: {@code maxAge} ≤ 1 day; {@code maxMessages} ≤ 2^31, half
 * the NIST SP 800-38D limit of 2^32 AES-GCM messages under one key with random 96-bit nonces (the
 * A256GCM body); {@code maxBytes} ≤ 1 TiB.
 *
 * <p><b>How exact each limit is.</b> {@code maxMessages} is exact: each message reserves one before
 * it starts. {@code maxBytes} is exact for the {@code byte[]} API: a message reserves its whole
 * size before it starts and goes to a new DEK if it would cross the limit (one message larger than
 * {@code maxBytes} gets a DEK of its own). A stream's size is unknown when it starts and a message
 * cannot change DEKs midway, so a stream counts each 16 KiB chunk as it seals it, and no message of
 * either kind starts under a DEK whose count reached {@code maxBytes}. A DEK can therefore exceed
 * {@code maxBytes} by what the streams already open on it write after it reached the limit: at most
 * the sum of those streams' lengths. {@code maxAge} is checked when a message starts, so a stream
 * open at expiry finishes under its DEK.
 *
 * @param maxAge the longest a DEK is used for encryption after it was made
 * @param maxMessages the most messages sealed under one DEK
 * @param maxBytes the most plaintext bytes sealed under one DEK
 */
public record DataKeyCacheLimits(Duration maxAge, long maxMessages, long maxBytes) {
  /** Hard cap on {@link #maxAge()}. */
  public static final Duration MAX_AGE_CAP = Duration.ofDays(1);

  /** Hard cap on {@link #maxMessages()}: 2^31. */
  public static final long MAX_MESSAGES_CAP = 1L << 31;

  /** Hard cap on {@link #maxBytes()}: 1 TiB. */
  public static final long MAX_BYTES_CAP = 1L << 40;

  /** maxAge 5 minutes, 1,000,000 messages, 64 GiB. */
  public static final DataKeyCacheLimits DEFAULTS =
      new DataKeyCacheLimits(Duration.ofMinutes(5), 1_000_000, 64L << 30);

  /** Checks every limit against its range and hard cap. */
  public DataKeyCacheLimits {
    if (maxAge == null
        || maxAge.isNegative()
        || maxAge.isZero()
        || maxAge.compareTo(MAX_AGE_CAP) > 0) {
      throw new IllegalArgumentException(
          "dataKeyCache.maxAge must be positive and at most P1D, got " + maxAge);
    }
    if (maxMessages < 1 || maxMessages > MAX_MESSAGES_CAP) {
      throw new IllegalArgumentException(
          "dataKeyCache.maxMessages must be in 1..2147483648 (2^31), got " + maxMessages);
    }
    if (maxBytes < 1 || maxBytes > MAX_BYTES_CAP) {
      throw new IllegalArgumentException(
          "dataKeyCache.maxBytes must be in 1..1TiB (1099511627776), got " + maxBytes);
    }
  }

  /** True if every DEK serves one message only (no reuse). */
  public boolean disabled() {
    return maxMessages == 1;
  }
}
