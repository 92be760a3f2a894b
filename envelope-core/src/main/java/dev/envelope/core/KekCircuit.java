package dev.envelope.core;

import java.time.Duration;

/**
 * Circuit breaking per KEK (the local config's {@code kekCircuit}): after {@code failures} calls in
 * a row to a KEK fail as unavailable (a timeout, a refused connection, a 5xx — the retryable
 * failures), the KEK is skipped for up to {@code coolDown}: decrypts go straight to the next
 * recipient and wraps count it as failed, without waiting for its timeout. While it is open, a
 * background probe wraps and unwraps a throwaway data key every {@code probeInterval} and closes
 * the circuit as soon as the KEK answers; if the cool-down ends first, one caller's call is let
 * through to test it. Refusals that are answers (authentication failures, access denied) do not
 * count: the KMS is up.
 *
 * <pre>{@code
 * kekCircuit: { failures: 3, coolDown: PT30S, probeInterval: PT5S }   # the default
 * kekCircuit: off                                                     # never skip a KEK
 * }</pre>
 *
 * @param enabled false: every call goes to its KEK, whatever happened before
 * @param failures consecutive unavailable calls that open the circuit (1..100)
 * @param coolDown how long an open circuit skips the KEK at most
 * @param probeInterval how often an open circuit's KEK is probed in the background
 */
public record KekCircuit(boolean enabled, int failures, Duration coolDown, Duration probeInterval) {
  /** Three failures, 30 s cool-down, a probe every 5 s. */
  public static final KekCircuit DEFAULTS =
      new KekCircuit(true, 3, Duration.ofSeconds(30), Duration.ofSeconds(5));

  /** Never skip a KEK. */
  public static final KekCircuit OFF =
      new KekCircuit(false, 3, Duration.ofSeconds(30), Duration.ofSeconds(5));

  /** Checks the ranges. */
  public KekCircuit {
    if (failures < 1 || failures > 100) {
      throw new IllegalArgumentException("kekCircuit.failures must be in 1..100, got " + failures);
    }
    if (coolDown == null || coolDown.isNegative() || coolDown.isZero()) {
      throw new IllegalArgumentException("kekCircuit.coolDown must be positive");
    }
    if (probeInterval == null || probeInterval.isNegative() || probeInterval.isZero()) {
      throw new IllegalArgumentException("kekCircuit.probeInterval must be positive");
    }
  }
}
