package dev.envelope.core.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * How many more messages and bytes one data key may seal, shared by every thread that seals under
 * it, without a word that every message writes.
 *
 * <p>The totals ({@code maxMessages}, {@code maxBytes}) are claimed in blocks by stripes; a thread
 * takes its messages from the stripe its thread id selects, under that stripe's lock, so threads on
 * different stripes touch different cache lines and the shared totals move only once per block.
 * (One atomic add per message on a shared counter held two threads at 1.66× one thread, issue 20.)
 *
 * <p>The bounds stay exact upwards: every message taken was claimed from a total that never passes
 * its maximum, so a key never seals more than {@code maxMessages} messages or, but for a first
 * message larger than {@code maxBytes}, more than {@code maxBytes} bytes. What a stripe claimed and
 * did not use when the key is retired is lost: a key shared by many threads may retire up to {@code
 * stripes × block} messages early, at most an eighth of {@code maxMessages} by the choice of the
 * block. One thread alone uses its whole claim, so it sees the limits exactly.
 */
final class MessageBudget {
  /** Largest block of messages a stripe claims at once. */
  private static final long MESSAGE_BLOCK = 256;

  /** Largest block of bytes a stripe claims at once (beyond what the message itself needs). */
  private static final long BYTE_BLOCK = 1 << 20;

  private static final int STRIPES = stripeCount(Runtime.getRuntime().availableProcessors());

  private final long maxMessages;
  private final long maxBytes;
  private final long messageBlock;
  private final long byteBlock;
  private final AtomicLong messagesClaimed = new AtomicLong();
  private final AtomicLong bytesClaimed = new AtomicLong();

  /** Created on first use: a key sealed from one thread needs one stripe, not all of them. */
  private final AtomicReferenceArray<Stripe> stripes = new AtomicReferenceArray<>(STRIPES);

  MessageBudget(long maxMessages, long maxBytes) {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    // At most an eighth of each limit can sit unused in stripes.
    this.messageBlock = Math.max(1, Math.min(MESSAGE_BLOCK, maxMessages / (8L * STRIPES)));
    this.byteBlock = Math.max(0, Math.min(BYTE_BLOCK, maxBytes / (8L * STRIPES)));
  }

  /**
   * Takes one message of {@code plaintextBytes}; false if a limit is reached. A size of 0 is a
   * stream (its bytes are counted by {@link #addBytes} as it seals them) or an empty message: it
   * may start while the key is below {@code maxBytes}.
   */
  boolean tryTake(long plaintextBytes) {
    Stripe stripe = stripe();
    synchronized (stripe) {
      if (stripe.messages == 0 && !claimMessages(stripe)) {
        return false;
      }
      long claimed = bytesClaimed.get(); // read, not written: its cache line stays shared
      if (plaintextBytes == 0) {
        if (claimed >= maxBytes) {
          return false;
        }
      } else if (claimed > maxBytes) {
        // A stream sealed past maxBytes (it counts as it goes): what stripes hold is void.
        return false;
      } else if (plaintextBytes > stripe.bytes
          && !claimBytes(stripe, plaintextBytes - stripe.bytes)) {
        return false;
      }
      stripe.messages--;
      stripe.bytes -= plaintextBytes;
      return true;
    }
  }

  /** Counts bytes a stream sealed (once per 16 KiB chunk, so one shared add is cheap here). */
  void addBytes(long n) {
    bytesClaimed.addAndGet(n);
  }

  /** Messages and bytes claimed so far, used or held by a stripe: for {@code toString}. */
  long messagesClaimed() {
    return messagesClaimed.get();
  }

  long bytesClaimed() {
    return bytesClaimed.get();
  }

  private boolean claimMessages(Stripe stripe) {
    while (true) {
      long claimed = messagesClaimed.get();
      long left = maxMessages - claimed;
      if (left <= 0) {
        return false;
      }
      long take = Math.min(messageBlock, left);
      if (messagesClaimed.compareAndSet(claimed, claimed + take)) {
        stripe.messages += take;
        return true;
      }
    }
  }

  private boolean claimBytes(Stripe stripe, long needed) {
    while (true) {
      long claimed = bytesClaimed.get();
      long take;
      if (claimed == 0 && needed > maxBytes) {
        take = needed; // the first message of a key may be larger than maxBytes (FORMAT.md §6)
      } else if (needed > maxBytes - claimed) {
        return false;
      } else {
        take = Math.min(Math.max(needed, byteBlock), maxBytes - claimed);
      }
      if (bytesClaimed.compareAndSet(claimed, claimed + take)) {
        stripe.bytes += take;
        return true;
      }
    }
  }

  private Stripe stripe() {
    // Thread ids are handed out in sequence, so consecutive threads land on different stripes.
    @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+; this library runs on 17
    int index = (int) (Thread.currentThread().getId() & (STRIPES - 1));
    Stripe stripe = stripes.get(index);
    if (stripe == null) {
      stripes.compareAndSet(index, null, new Stripe());
      stripe = stripes.get(index);
    }
    return stripe;
  }

  /** A power of two, twice the processors (so a few threads rarely share one), 2 to 64. */
  static int stripeCount(int processors) {
    int wanted = Math.max(2, Math.min(64, 2 * processors));
    return Integer.highestOneBit(wanted - 1) << 1;
  }

  /** Padding before the counters, so a neighbouring object never shares their cache line. */
  @SuppressWarnings("unused")
  private static class Before {
    long p01, p02, p03, p04, p05, p06, p07, p08;
  }

  /** The counters of one stripe, guarded by the stripe's own lock. */
  private static class Counts extends Before {
    long messages;
    long bytes;
  }

  /** Padding after the counters; superclass fields come first, so the order is kept. */
  @SuppressWarnings("unused")
  private static final class Stripe extends Counts {
    long q01, q02, q03, q04, q05, q06, q07, q08;
  }
}
