package dev.envelope.kmsplugin;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.EnvelopeObserver;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The plugin's Prometheus metrics: gRPC calls by method and outcome with their latency, KEK calls
 * by operation, KEK and outcome, whether the key is healthy, and the current key id as a short hash
 * ({@code envelope_kms_key_id_info{key_id_hash=…} 1}), so a rotation shows on a dashboard without
 * putting the id in a label value of unbounded length.
 */
final class PluginMetrics implements EnvelopeObserver {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicReference<Meter> keyIdGauge = new AtomicReference<>();
  private volatile String keyIdHash = "";

  PluginMetrics(java.util.function.Supplier<HealthMonitor.State> health) {
    Gauge.builder("envelope.kms.healthy", () -> health.get().healthy() ? 1 : 0)
        .description("1 if every KEK of the plugin's logical key wraps and one unwraps")
        .register(registry);
    Gauge.builder("envelope.kms.can.seal", () -> health.get().canSeal() ? 1 : 0)
        .description("1 if at least minWrap KEKs wrap")
        .register(registry);
  }

  /** Records one gRPC call. */
  void call(String method, String outcome, long nanos) {
    Timer.builder("envelope.kms.requests")
        .description("KMS v2 gRPC calls")
        .tag("method", method)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  /** Shows {@code keyId} as the current one (by hash). */
  void keyId(String keyId) {
    String hash = hash(keyId);
    if (hash.equals(keyIdHash)) {
      return;
    }
    keyIdHash = hash;
    Meter old =
        keyIdGauge.getAndSet(
            Gauge.builder("envelope.kms.key.id.info", () -> 1)
                .description("the current key_id, as the first 12 hex digits of its SHA-256")
                .tag("key_id_hash", hash)
                .register(registry));
    if (old != null) {
      registry.remove(old);
    }
  }

  @Override
  public void kekCall(
      KekOperation operation,
      String logicalKeyId,
      String kekUri,
      long nanos,
      @Nullable RuntimeException failure) {
    Timer.builder("envelope.kms.kek.calls")
        .description("wrap and unwrap calls to KEKs")
        .tag("operation", operation.name().toLowerCase(java.util.Locale.ROOT))
        .tag("kek", kekUri)
        .tag("outcome", failure == null ? "success" : failure.getClass().getSimpleName())
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  @Override
  public void operation(
      Operation operation,
      @Nullable String logicalKeyId,
      long plaintextBytes,
      long nanos,
      @Nullable EnvelopeException failure) {}

  /** The Prometheus text exposition. */
  String scrape() {
    return registry.scrape();
  }

  static String hash(String keyId) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(keyId.getBytes(StandardCharsets.UTF_8)),
              0,
              6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
