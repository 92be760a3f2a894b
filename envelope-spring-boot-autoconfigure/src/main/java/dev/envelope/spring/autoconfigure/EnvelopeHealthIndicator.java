package dev.envelope.spring.autoconfigure;

import dev.envelope.core.Envelope;
import dev.envelope.core.KekCheck;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.PolicyStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Can this cluster use each KEK of the policy right now? For every logical key: each KEK wraps and
 * unwraps a throwaway data key ({@link Envelope#checkKek}). A KEK reports {@code UP}, {@code
 * SEAL_ONLY} (it wraps but cannot unwrap here: an asymmetric KEK whose private key is in another
 * cluster, which is normal) or {@code DOWN} with the typed reason. A logical key is {@code UP} when
 * at least {@code minWrap} of its {@code keks} wrap and at least one KEK unwraps; the indicator is
 * {@code UP} when every logical key is.
 *
 * <p>Each check costs KMS calls, so results are kept for {@code envelope.health.cache-ttl} (default
 * five minutes, or until a reload changes the policy) and probes in between answer from the cache.
 * The details also show the policy in force ({@code policy}: source, digest, generation, last
 * reload and its error).
 */
public class EnvelopeHealthIndicator extends AbstractHealthIndicator {
  private final Envelope envelope;
  private final Duration ttl;
  private final Clock clock;
  private Health cached;
  private String checkedDigest;
  private Instant checkedAt = Instant.MIN;

  public EnvelopeHealthIndicator(Envelope envelope, Duration ttl) {
    this(envelope, ttl, Clock.systemUTC());
  }

  EnvelopeHealthIndicator(Envelope envelope, Duration ttl, Clock clock) {
    super("Envelope KEK check failed");
    this.envelope = envelope;
    this.ttl = ttl;
    this.clock = clock;
  }

  @Override
  protected synchronized void doHealthCheck(Health.Builder builder) {
    Instant now = clock.instant();
    // The policy in force decides which KEKs to check: a reload that changed it checks anew.
    KeyPolicy policy = envelope.policy();
    if (cached == null
        || !now.isBefore(checkedAt.plus(ttl))
        || !policy.digest().equals(checkedDigest)) {
      cached = check(policy, now);
      checkedAt = now;
      checkedDigest = policy.digest();
    }
    builder
        .status(cached.getStatus())
        .withDetails(cached.getDetails())
        .withDetail("policy", policyDetails(envelope.policyStatus()));
  }

  /**
   * The policy in force and its last reload. A rejected reload does not make the indicator DOWN:
   * the last good policy still works, and failing readiness in every pod over one bad commit would
   * turn a configuration error into an outage. It shows here, in the log and in the {@code
   * envelope.policy.reloads} metric instead.
   */
  private static Map<String, Object> policyDetails(PolicyStatus status) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("source", status.source());
    m.put("digest", status.digest());
    m.put("generation", status.generation());
    m.put("appliedAt", status.appliedAt().toString());
    m.put("lastReload", status.lastOutcome().name());
    m.put("lastReloadAt", status.lastAttemptAt().toString());
    status.lastError().ifPresent(e -> m.put("lastError", e));
    return m;
  }

  private Health check(KeyPolicy policy, Instant now) {
    boolean allUp = true;
    Map<String, Object> keys = new LinkedHashMap<>();
    for (String id : policy.keyIds()) {
      LogicalKey key = policy.key(id).orElseThrow();
      Map<String, Object> keks = new LinkedHashMap<>();
      int wrapping = 0;
      boolean unwrapping = false;
      for (String uri : key.allKeks()) {
        KekCheck check = envelope.checkKek(id, uri);
        boolean active = key.keks().contains(uri);
        if (active && check.canWrap()) {
          wrapping++;
        }
        unwrapping |= check.canUnwrap();
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("status", check.canUnwrap() ? "UP" : check.canWrap() ? "SEAL_ONLY" : "DOWN");
        if (!active) {
          detail.put("decryptOnly", true);
        }
        if (check.problem() != null && !check.canWrap()) {
          detail.put("problem", check.problem());
        }
        keks.put(MicrometerEnvelopeObserver.kekTag(uri), detail);
      }
      // Rotation compliance is reported, never a reason for DOWN: an old key still works.
      for (dev.envelope.core.RotationCheck r : envelope.checkRotation(id)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> detail =
            (Map<String, Object>) keks.get(MicrometerEnvelopeObserver.kekTag(r.kekUri()));
        if (detail != null) {
          detail.put(
              "rotation",
              Map.of(
                  "verdict", r.verdict().name(),
                  "required", r.required().toString(),
                  "reason", r.reason()));
        }
      }
      boolean up = wrapping >= key.minWrap() && unwrapping;
      allUp &= up;
      keys.put(id, Map.of("status", up ? "UP" : "DOWN", "keks", keks));
    }
    return (allUp ? Health.up() : Health.down())
        .withDetail("keys", keys)
        .withDetail("checkedAt", now.toString())
        .build();
  }
}
