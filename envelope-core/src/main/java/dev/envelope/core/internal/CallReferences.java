package dev.envelope.core.internal;

import org.jspecify.annotations.Nullable;

/**
 * The reference a provider records for the KEK call running on this thread ({@link
 * dev.envelope.core.spi.CallReference}). A KEK call runs on one thread from start to end (the
 * caller's or a wrap worker's), so a thread-local slot opened around it is enough.
 */
public final class CallReferences {
  private static final ThreadLocal<String[]> SLOT = new ThreadLocal<>();

  private CallReferences() {}

  /** For the SPI: keeps {@code reference} if a KEK call is in progress here. */
  public static void record(String reference) {
    String[] slot = SLOT.get();
    if (slot != null) {
      slot[0] = reference;
    }
  }

  /** Opens a slot for one call; returns the previous one, to {@link #close} with. */
  static String[] open() {
    String[] previous = SLOT.get();
    SLOT.set(new String[1]);
    return previous;
  }

  /** The reference recorded since {@link #open}, closing the slot. */
  static @Nullable String close(String @Nullable [] previous) {
    String[] slot = SLOT.get();
    if (previous == null) {
      SLOT.remove();
    } else {
      SLOT.set(previous);
    }
    return slot == null ? null : slot[0];
  }
}
