package dev.envelope.spring.autoconfigure;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.EnvelopeObserver;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.PolicyStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envelope's timings as Micrometer timers: {@code envelope.operations} (encrypt/decrypt) and {@code
 * envelope.kek.calls} (wrap/unwrap, i.e. KMS and HSM latency), tagged by logical key, KEK and
 * outcome ({@code success} or the error type); the counter {@code envelope.policy.reloads} by
 * outcome and the gauge {@code envelope.policy.generation}. Tag values come from the policy only —
 * a key id not in the policy becomes {@code unknown}, a KEK URI longer than 100 characters (an
 * X-Wing public key) its scheme and recipient reference — so tags stay few and hold no secrets.
 */
final class MicrometerEnvelopeObserver implements EnvelopeObserver {
  static final String OPERATIONS = "envelope.operations";
  static final String KEK_CALLS = "envelope.kek.calls";
  private static final int MAX_KEK_TAG = 100;

  static final String POLICY_RELOADS = "envelope.policy.reloads";
  static final String POLICY_GENERATION = "envelope.policy.generation";

  private final MeterRegistry registry;
  private volatile Set<String> policyKeys = Set.of();
  private final AtomicLong generation = new AtomicLong();

  MicrometerEnvelopeObserver(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder(POLICY_GENERATION, generation, AtomicLong::get)
        .description("Generation of the key policy in force: 1 at start, +1 per applied reload")
        .register(registry);
  }

  /** Counts each load and reload by outcome, and follows the key ids of the policy in force. */
  @Override
  public void policyReload(PolicyStatus status, KeyPolicy inForce) {
    policyKeys = Set.copyOf(inForce.keyIds());
    generation.set(status.generation());
    Counter.builder(POLICY_RELOADS)
        .description(
            "Key policy versions the source reported: loaded, applied, unchanged or rejected")
        .tag("outcome", status.lastOutcome().name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }

  @Override
  public void operation(
      Operation operation,
      String logicalKeyId,
      long plaintextBytes,
      long nanos,
      EnvelopeException failure) {
    Timer.builder(OPERATIONS)
        .description("Envelope encrypt and decrypt calls (byte[] API)")
        .tag("operation", operation.name().toLowerCase(Locale.ROOT))
        .tag("key", key(logicalKeyId))
        .tag("outcome", failure == null ? "success" : failure.getClass().getSimpleName())
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void kekCall(
      KekOperation operation,
      String logicalKeyId,
      String kekUri,
      long nanos,
      RuntimeException failure) {
    Timer.builder(KEK_CALLS)
        .description("KEK wrap and unwrap calls: KMS and HSM round trips")
        .tag("operation", operation.name().toLowerCase(Locale.ROOT))
        .tag("key", key(logicalKeyId))
        .tag("kek", kekTag(kekUri))
        .tag("outcome", outcome(failure))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  private String key(String logicalKeyId) {
    return logicalKeyId != null && policyKeys.contains(logicalKeyId) ? logicalKeyId : "unknown";
  }

  static String kekTag(String kekUri) {
    if (kekUri.length() <= MAX_KEK_TAG) {
      return kekUri;
    }
    int scheme = kekUri.indexOf("://");
    return kekUri.substring(0, Math.max(scheme, 0)) + "://…" + EnvelopeInfo.kekReference(kekUri);
  }

  private static String outcome(RuntimeException failure) {
    if (failure == null) {
      return "success";
    }
    return failure instanceof EnvelopeException
        ? failure.getClass().getSimpleName()
        : "ProviderError";
  }
}
