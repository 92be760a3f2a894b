package dev.envelope.spring.autoconfigure;

import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeStats;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code envelope} Actuator endpoint ({@code GET /actuator/envelope}): the policy in force
 * (source, digest, generation, last reload), the cached KEK checks (identity, reachability,
 * latency, wrap and unwrap, key state, rotation verdict; per logical key whether it can seal and
 * open) and the data key cache and KEK call counters. The checks come from {@link EnvelopeChecks}:
 * a request never makes a KMS call of its own beyond one refresh per {@code
 * envelope.health.cache-ttl}.
 *
 * <p>Like every endpoint but health, it is not exposed over HTTP until the application lists it in
 * {@code management.endpoints.web.exposure.include}. Identities, endpoints and problems are shown
 * only as {@code envelope.endpoint.show-details} allows (by default to authenticated users, with
 * one of {@code envelope.endpoint.roles} if set), as Actuator does for health details. Nothing in
 * it is secret either way.
 */
@Endpoint(id = "envelope")
public class EnvelopeEndpoint {
  private final Envelope envelope;
  private final EnvelopeChecks checks;
  private final Show show;
  private final Set<String> roles;

  public EnvelopeEndpoint(Envelope envelope, EnvelopeChecks checks, Show show, Set<String> roles) {
    this.envelope = envelope;
    this.checks = checks;
    this.show = show;
    this.roles = Set.copyOf(roles);
  }

  /** The endpoint's document. */
  @ReadOperation
  public Map<String, Object> envelope(SecurityContext security) {
    boolean details = show.isShown(security, roles);
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> policy = EnvelopeHealthIndicator.policyDetails(envelope.policyStatus());
    if (!details) {
      policy.keySet().retainAll(Set.of("digest", "generation", "lastReload", "lastReloadAt"));
    }
    out.put("policy", policy);
    Map<String, Object> checks = new LinkedHashMap<>(this.checks.current().fields());
    if (!details) {
      checks.keySet().retainAll(Set.of("checkedAt", "policyDigest", "verdict"));
    }
    out.put("checks", checks);
    out.put("cache", cache(envelope.stats(), details));
    return out;
  }

  private static Map<String, Object> cache(EnvelopeStats s, boolean details) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("encryptHits", s.encryptCacheHits());
    m.put("encryptMisses", s.encryptCacheMisses());
    m.put("decryptHits", s.decryptCacheHits());
    m.put("decryptMisses", s.decryptCacheMisses());
    if (details) {
      m.put("wrapCalls", s.wrapCalls());
      m.put("unwrapCalls", s.unwrapCalls());
    }
    m.put("auditEvents", s.auditEvents());
    m.put("auditDropped", s.auditDropped());
    return m;
  }
}
