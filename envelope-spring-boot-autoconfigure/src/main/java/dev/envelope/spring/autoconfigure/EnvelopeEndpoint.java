package dev.envelope.spring.autoconfigure;

import dev.envelope.core.Diagnosis;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeStats;
import dev.envelope.core.RotationCheck;
import dev.envelope.core.spi.KekDescription;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
    Diagnosis d = checks.current();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("checkedAt", d.checkedAt().toString());
    c.put("policyDigest", d.policyDigest());
    c.put("verdict", d.verdict().name());
    if (details) {
      c.put("keks", keks(d));
      c.put("keys", keys(d));
    }
    out.put("checks", c);
    out.put("cache", cache(envelope.stats(), details));
    return out;
  }

  private static List<Map<String, Object>> keks(Diagnosis d) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Diagnosis.KekHealth k : d.keks()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("uri", k.uri());
      m.put("providerPresent", k.providerPresent());
      KekDescription x = k.description();
      if (x != null) {
        m.put("identity", x.identity());
        m.put("identitySource", x.identitySource());
        m.put("identityConfirmed", x.identityConfirmed());
        put(m, "endpoint", x.endpoint());
        put(m, "region", x.region());
        m.put("keyState", x.keyState().name());
        put(m, "keySpec", x.keySpec());
        if (!x.problems().isEmpty()) {
          m.put("warnings", x.problems());
        }
      }
      m.put("reachable", k.reachable());
      m.put("timedOut", k.timedOut());
      m.put("canWrap", k.check().canWrap());
      m.put("canUnwrap", k.check().canUnwrap());
      put(m, "wrapMillis", k.wrapLatency() == null ? null : k.wrapLatency().toNanos() / 1e6);
      put(m, "unwrapMillis", k.unwrapLatency() == null ? null : k.unwrapLatency().toNanos() / 1e6);
      List<Map<String, Object>> rotation = new ArrayList<>();
      for (RotationCheck r : k.rotation()) {
        rotation.add(
            Map.of(
                "verdict", r.verdict().name(),
                "required", r.required().toString(),
                "reason", r.reason()));
      }
      if (!rotation.isEmpty()) {
        m.put("rotation", rotation);
      }
      put(m, "problem", k.check().problem());
      out.add(m);
    }
    return out;
  }

  private static List<Map<String, Object>> keys(Diagnosis d) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Diagnosis.KeyHealth k : d.keys()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("key", k.id());
      m.put("canSeal", k.canSeal());
      m.put("canOpen", k.canOpen());
      m.put("wrapping", k.wrapping());
      m.put("minWrap", k.minWrap());
      if (!k.problems().isEmpty()) {
        m.put("problems", k.problems());
      }
      out.add(m);
    }
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

  private static void put(Map<String, Object> m, String name, Object value) {
    if (value != null) {
      m.put(name, value);
    }
  }
}
