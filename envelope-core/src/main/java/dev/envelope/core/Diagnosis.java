package dev.envelope.core;

import dev.envelope.core.spi.KekDescription;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What {@link Envelope#diagnose} found: for each KEK of the policy (or of one logical key), whether
 * its provider is here, who it authenticates as, whether its service answers and how fast, whether
 * it wraps and unwraps a throwaway data key, its key state and rotation verdict; then for each
 * logical key whether this cluster can seal ({@code minWrap} KEKs wrap) and open (a KEK unwraps).
 * Names, states and timings only: never a secret.
 *
 * @param checkedAt when the diagnosis started
 * @param policyDigest the digest of the policy diagnosed
 * @param deadline the bound each KEK's checks had
 * @param keks one entry per distinct KEK, in policy order
 * @param keys one entry per logical key diagnosed, in policy order
 */
public record Diagnosis(
    Instant checkedAt,
    String policyDigest,
    Duration deadline,
    List<KekHealth> keks,
    List<KeyHealth> keys) {

  public Diagnosis {
    keks = List.copyOf(keks);
    keys = List.copyOf(keys);
  }

  /**
   * The overall finding, worst first in severity: each is an exit code of {@code envelope doctor}.
   */
  public enum Verdict {
    /** Every logical key diagnosed can seal and open here. */
    HEALTHY,
    /** Some logical key cannot seal here: fewer than {@code minWrap} of its KEKs wrap. */
    CANNOT_SEAL,
    /** Some logical key cannot open here: none of its KEKs unwraps. */
    CANNOT_OPEN,
    /** A KEK's provider is missing from this installation: a deployment error, not an outage. */
    MISCONFIGURED
  }

  /**
   * One KEK, as this cluster sees it.
   *
   * @param uri the KEK, as in the policy
   * @param providerPresent a provider for its scheme is registered here
   * @param description what the provider says about it (identity, endpoint, state); null if the
   *     provider is missing or did not answer within the deadline
   * @param reachable the service answered: a success, or a refusal such as access denied (a timeout
   *     or a connection failure is unreachable)
   * @param check the wrap and unwrap probes under the first logical key that lists the KEK
   * @param wrapLatency how long the wrap probe took, or null if it did not complete
   * @param unwrapLatency how long the unwrap probe took, or null if it did not complete
   * @param rotation the rotation verdict for each diagnosed logical key with a {@code
   *     rotationPeriod} that lists the KEK in {@code keks}
   * @param timedOut some check was still running at the deadline (it was abandoned)
   */
  public record KekHealth(
      String uri,
      boolean providerPresent,
      @Nullable KekDescription description,
      boolean reachable,
      KekCheck check,
      @Nullable Duration wrapLatency,
      @Nullable Duration unwrapLatency,
      List<RotationCheck> rotation,
      boolean timedOut) {
    public KekHealth {
      rotation = List.copyOf(rotation);
    }

    /** The description, if the provider gave one. */
    public Optional<KekDescription> describedAs() {
      return Optional.ofNullable(description);
    }

    /** This entry as ordered name/value pairs ({@link Diagnosis#fields()}). */
    public Map<String, Object> fields() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("uri", uri);
      m.put("providerPresent", providerPresent);
      m.put("reachable", reachable);
      m.put("timedOut", timedOut);
      m.put("canWrap", check.canWrap());
      m.put("canUnwrap", check.canUnwrap());
      if (wrapLatency != null) {
        m.put("wrapMillis", wrapLatency.toNanos() / 1e6);
      }
      if (unwrapLatency != null) {
        m.put("unwrapMillis", unwrapLatency.toNanos() / 1e6);
      }
      if (check.problem() != null) {
        m.put("problem", check.problem());
      }
      if (description != null) {
        m.put("description", description.fields());
      }
      if (!rotation.isEmpty()) {
        m.put("rotation", rotation.stream().map(RotationCheck::fields).toList());
      }
      return m;
    }
  }

  /**
   * One logical key.
   *
   * @param wrapping how many of its {@code keks} wrapped
   * @param canSeal {@code wrapping >= minWrap}
   * @param canOpen at least one of its KEKs ({@code keks} or {@code decryptOnly}) unwrapped
   * @param problems why it cannot seal or open, one sentence each
   */
  public record KeyHealth(
      String id,
      int minWrap,
      int wrapping,
      boolean canSeal,
      boolean canOpen,
      List<String> problems) {
    public KeyHealth {
      problems = List.copyOf(problems);
    }

    /** This entry as ordered name/value pairs ({@link Diagnosis#fields()}). */
    public Map<String, Object> fields() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("key", id);
      m.put("canSeal", canSeal);
      m.put("canOpen", canOpen);
      m.put("wrapping", wrapping);
      m.put("minWrap", minWrap);
      if (!problems.isEmpty()) {
        m.put("problems", problems);
      }
      return m;
    }
  }

  /**
   * The worst finding: a missing provider, then a key that cannot open, then one that cannot seal.
   */
  public Verdict verdict() {
    if (keks.stream().anyMatch(k -> !k.providerPresent())) {
      return Verdict.MISCONFIGURED;
    }
    return keys.stream()
        .map(
            k ->
                !k.canOpen()
                    ? Verdict.CANNOT_OPEN
                    : !k.canSeal() ? Verdict.CANNOT_SEAL : Verdict.HEALTHY)
        .max(Comparator.naturalOrder())
        .orElse(Verdict.HEALTHY);
  }

  /**
   * The diagnosis as nested ordered name/value pairs — the one JSON form of {@code envelope doctor
   * --json} and the {@code envelope} Actuator endpoint: {@code checkedAt, policyDigest, deadline,
   * verdict} ({@code healthy}, {@code cannot-seal}, {@code cannot-open}, {@code misconfigured}),
   * {@code keks} and {@code keys}. Absent facts are left out.
   */
  public Map<String, Object> fields() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("checkedAt", checkedAt.toString());
    m.put("policyDigest", policyDigest);
    m.put("deadline", deadline.toString());
    m.put("verdict", verdict().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    m.put("keks", keks.stream().map(KekHealth::fields).toList());
    m.put("keys", keys.stream().map(KeyHealth::fields).toList());
    return m;
  }

  /** The entry for {@code uri}, if it was diagnosed. */
  public Optional<KekHealth> kek(String uri) {
    return keks.stream().filter(k -> k.uri().equals(uri)).findFirst();
  }

  /** The entry for logical key {@code id}, if it was diagnosed. */
  public Optional<KeyHealth> key(String id) {
    return keys.stream().filter(k -> k.id().equals(id)).findFirst();
  }
}
