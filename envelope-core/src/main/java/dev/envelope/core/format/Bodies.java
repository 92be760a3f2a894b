package dev.envelope.core.format;

import dev.envelope.core.BodyAlgorithm;
import dev.envelope.core.EnvelopeLimits;
import java.util.EnumMap;
import java.util.Map;

/** The registry of body algorithms, and which one a new message gets. */
public final class Bodies {
  private static final Map<BodyAlgorithm, Body> BY_ALGORITHM =
      new EnumMap<>(
          Map.of(
              BodyAlgorithm.COBBLESTONE_256, Cobblestone256Body.INSTANCE,
              BodyAlgorithm.A256GCM, A256GcmBody.INSTANCE));

  private Bodies() {}

  public static Body of(BodyAlgorithm algorithm) {
    return BY_ALGORITHM.get(algorithm);
  }

  /**
   * The body of a {@code byte[]} message: A256GCM up to {@link
   * EnvelopeLimits#maxBufferedBodyBytes()} (so any reader can buffer it), Cobblestone-256 above.
   */
  public static Body forMessage(int plaintextBytes, EnvelopeLimits limits) {
    return limits.maxBufferedBodyBytes() > 0 && plaintextBytes <= limits.maxBufferedBodyBytes()
        ? A256GcmBody.INSTANCE
        : Cobblestone256Body.INSTANCE;
  }
}
