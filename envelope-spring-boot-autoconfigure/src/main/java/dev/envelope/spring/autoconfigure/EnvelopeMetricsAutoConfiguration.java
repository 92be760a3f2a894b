package dev.envelope.spring.autoconfigure;

import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * With Micrometer and a {@link MeterRegistry}: timers for encrypt/decrypt and each KEK's
 * wrap/unwrap (through {@link MicrometerEnvelopeObserver}), and counters of the data key caches
 * ({@code envelope.datakey.cache}, tags {@code cache=encrypt|decrypt}, {@code result=hit|miss}).
 */
@AutoConfiguration(
    before = EnvelopeAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@ConditionalOnClass({MeterRegistry.class, Envelope.class})
@ConditionalOnBean(MeterRegistry.class)
public class EnvelopeMetricsAutoConfiguration {

  /** Installs the timers as the facade's observer. */
  @Bean
  public EnvelopeCustomizer envelopeMetricsCustomizer(MeterRegistry registry) {
    return builder -> builder.observer(new MicrometerEnvelopeObserver(registry));
  }

  /** Data key cache hits and misses, read from {@link Envelope#stats()} at each scrape. */
  @Bean
  public MeterBinder envelopeCacheMetrics(ObjectProvider<Envelope> envelopes) {
    return registry ->
        envelopes.ifAvailable(
            envelope -> {
              counter(registry, envelope, "encrypt", "hit", EnvelopeStats::encryptCacheHits);
              counter(registry, envelope, "encrypt", "miss", EnvelopeStats::encryptCacheMisses);
              counter(registry, envelope, "decrypt", "hit", EnvelopeStats::decryptCacheHits);
              counter(registry, envelope, "decrypt", "miss", EnvelopeStats::decryptCacheMisses);
            });
  }

  private static void counter(
      MeterRegistry registry,
      Envelope envelope,
      String cache,
      String result,
      ToDoubleFunction<EnvelopeStats> value) {
    FunctionCounter.builder("envelope.datakey.cache", envelope, e -> value.applyAsDouble(e.stats()))
        .description(
            "Data key cache lookups: a miss on encrypt makes and wraps a new data key, on"
                + " decrypt it unwraps one (a KMS call for cloud KEKs)")
        .tag("cache", cache)
        .tag("result", result)
        .register(registry);
  }
}
