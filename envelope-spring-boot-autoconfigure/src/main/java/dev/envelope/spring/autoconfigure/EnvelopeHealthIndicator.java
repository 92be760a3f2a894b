package dev.envelope.spring.autoconfigure;

import dev.envelope.core.Diagnosis;
import dev.envelope.core.Envelope;
import dev.envelope.core.KekCheck;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.PolicyStatus;
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
 * five minutes, or until a reload changes the policy) and probes in between answer from the cache
 * ({@link EnvelopeChecks}, shared with the {@code envelope} endpoint). The details also show the
 * policy in force ({@code policy}: source, digest, generation, last reload and its error).
 */
public class EnvelopeHealthIndicator extends AbstractHealthIndicator {
  private final Envelope envelope;
  private final EnvelopeChecks checks;

  public EnvelopeHealthIndicator(Envelope envelope, EnvelopeChecks checks) {
    super("Envelope KEK check failed");
    this.envelope = envelope;
    this.checks = checks;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    // The policy in force decides which KEKs to check: a reload that changed it checks anew.
    Health health = health(checks.current(), envelope.policy());
    builder
        .status(health.getStatus())
        .withDetails(health.getDetails())
        .withDetail("policy", policyDetails(envelope.policyStatus()));
  }

  /**
   * The policy in force and its last reload. A rejected reload does not make the indicator DOWN:
   * the last good policy still works, and failing readiness in every pod over one bad commit would
   * turn a configuration error into an outage. It shows here, in the log and in the {@code
   * envelope.policy.reloads} metric instead.
   */
  static Map<String, Object> policyDetails(PolicyStatus status) {
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

  private static Health health(Diagnosis diagnosis, KeyPolicy policy) {
    boolean allUp = true;
    Map<String, Object> keys = new LinkedHashMap<>();
    for (Diagnosis.KeyHealth kh : diagnosis.keys()) {
      LogicalKey key = policy.key(kh.id()).orElse(null);
      if (key == null) {
        continue; // diagnosed under a policy a reload has just replaced
      }
      Map<String, Object> keks = new LinkedHashMap<>();
      for (String uri : key.allKeks()) {
        Diagnosis.KekHealth k = diagnosis.kek(uri).orElse(null);
        if (k == null) {
          continue;
        }
        KekCheck check = k.check();
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("status", check.canUnwrap() ? "UP" : check.canWrap() ? "SEAL_ONLY" : "DOWN");
        if (!key.keks().contains(uri)) {
          detail.put("decryptOnly", true);
        }
        if (check.problem() != null && !check.canWrap()) {
          detail.put("problem", check.problem());
        }
        // Rotation compliance is reported, never a reason for DOWN: an old key still works.
        k.rotation().stream().findFirst().ifPresent(r -> detail.put("rotation", r.fields()));
        keks.put(MicrometerEnvelopeObserver.kekTag(uri), detail);
      }
      boolean up = kh.canSeal() && kh.canOpen();
      allUp &= up;
      keys.put(kh.id(), Map.of("status", up ? "UP" : "DOWN", "keks", keks));
    }
    return (allUp ? Health.up() : Health.down())
        .withDetail("keys", keys)
        .withDetail("checkedAt", diagnosis.checkedAt().toString())
        .build();
  }
}
