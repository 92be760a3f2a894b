package dev.envelope.core;

import dev.envelope.core.spi.KeyRotation;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether one KEK meets its logical key's {@code rotationPeriod}, judged from what the KEK's own
 * service reports ({@link KeyRotation}): {@link Envelope#checkRotation}.
 *
 * <ul>
 *   <li>{@link Verdict#COMPLIANT}: the service rotates the key automatically at least every period,
 *       or the key material in use is younger than the period;
 *   <li>{@link Verdict#NOT_COMPLIANT}: it rotates less often, or does not rotate and its material
 *       is older than the period;
 *   <li>{@link Verdict#UNKNOWN}: the service tells neither (or the KEK cannot be reached here).
 * </ul>
 *
 * @param kekUri the KEK
 * @param required the logical key's {@code rotationPeriod}
 * @param verdict the judgement
 * @param reason why, in one sentence with the figures
 * @param state what the service reported
 */
public record RotationCheck(
    String kekUri, Duration required, Verdict verdict, String reason, KeyRotation state) {

  /** The judgement. */
  public enum Verdict {
    COMPLIANT,
    NOT_COMPLIANT,
    UNKNOWN
  }

  /** The verdict, the requirement and the reason as ordered name/value pairs. */
  public java.util.Map<String, Object> fields() {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("verdict", verdict.name());
    m.put("required", required.toString());
    m.put("reason", reason);
    return m;
  }

  /** Judges {@code state} against {@code required} at {@code now}. */
  public static RotationCheck judge(
      String kekUri, Duration required, KeyRotation state, Instant now) {
    if (state.unknown().isPresent()) {
      return new RotationCheck(kekUri, required, Verdict.UNKNOWN, state.unknown().get(), state);
    }
    if (state.automaticPeriod().isPresent()) {
      Duration every = state.automaticPeriod().get();
      String next = state.nextRotation().map(n -> "; next " + n).orElse("");
      return every.compareTo(required) <= 0
          ? new RotationCheck(
              kekUri,
              required,
              Verdict.COMPLIANT,
              "rotates automatically every "
                  + days(every)
                  + next
                  + " (required: "
                  + days(required)
                  + ")",
              state)
          : new RotationCheck(
              kekUri,
              required,
              Verdict.NOT_COMPLIANT,
              "rotates automatically every "
                  + days(every)
                  + ", less often than the required "
                  + days(required),
              state);
    }
    if (state.currentKeyCreated().isPresent()) {
      Instant created = state.currentKeyCreated().get();
      Duration age = Duration.between(created, now);
      return age.compareTo(required) <= 0
          ? new RotationCheck(
              kekUri,
              required,
              Verdict.COMPLIANT,
              "no automatic rotation; the key in use is "
                  + days(age)
                  + " old (since "
                  + created
                  + "), rotate it by "
                  + created.plus(required),
              state)
          : new RotationCheck(
              kekUri,
              required,
              Verdict.NOT_COMPLIANT,
              "no automatic rotation, and the key in use is "
                  + days(age)
                  + " old (since "
                  + created
                  + "), more than the required "
                  + days(required),
              state);
    }
    return new RotationCheck(
        kekUri,
        required,
        Verdict.UNKNOWN,
        "the service reports neither a rotation schedule nor the key's age",
        state);
  }

  private static String days(Duration d) {
    long days = d.toDays();
    return days > 0 ? days + " days" : d.toHours() + " hours";
  }
}
