package dev.envelope.spring.autoconfigure;

import dev.envelope.core.Diagnosis;
import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The facade's KEK checks ({@link Envelope#diagnose}), run at most once per {@code cacheTtl} and
 * again when a reload changed the policy, shared by the {@code envelope} health indicator and the
 * {@code envelope} Actuator endpoint: probes and scrapes in between answer from the last result,
 * never with KMS calls of their own. One check runs at a time; callers arriving meanwhile wait for
 * it (each check is bounded by {@code deadline} per KEK).
 */
public class EnvelopeChecks {
  private final Envelope envelope;
  private final Duration ttl;
  private final Duration deadline;
  private final Clock clock;
  private Diagnosis cached;
  private Instant checkedAt = Instant.MIN;

  public EnvelopeChecks(Envelope envelope, Duration ttl, Duration deadline) {
    this(envelope, ttl, deadline, Clock.systemUTC());
  }

  EnvelopeChecks(Envelope envelope, Duration ttl, Duration deadline, Clock clock) {
    this.envelope = envelope;
    this.ttl = ttl;
    this.deadline = deadline;
    this.clock = clock;
  }

  /** The last diagnosis of the policy in force, made now if it is older than the TTL. */
  public synchronized Diagnosis current() {
    Instant now = clock.instant();
    KeyPolicy policy = envelope.policy();
    if (cached == null
        || !now.isBefore(checkedAt.plus(ttl))
        || !policy.digest().equals(cached.policyDigest())) {
      cached = envelope.diagnose(null, deadline);
      checkedAt = now;
    }
    return cached;
  }

  /** When {@link #current()} last ran the checks. */
  public synchronized Instant checkedAt() {
    return checkedAt;
  }
}
