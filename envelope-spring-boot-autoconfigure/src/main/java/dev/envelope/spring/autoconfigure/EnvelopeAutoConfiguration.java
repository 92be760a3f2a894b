package dev.envelope.spring.autoconfigure;

import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.PolicySource;
import dev.envelope.core.audit.AuditSink;
import dev.envelope.core.audit.Slf4jAuditSink;
import dev.envelope.core.spi.KekProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ResourceLoader;

/**
 * The {@link Envelope} facade from {@code envelope.policy} (reloaded without a restart, see {@link
 * #envelopePolicySource}) and {@code envelope.local-config}, with every {@link KekProvider} bean
 * and (with {@code envelope.discover-providers=true}) the providers on the class path. Each bean
 * backs off when the application defines its own; {@link EnvelopeCustomizer} beans adjust the
 * builder. A missing or invalid policy stops the application at start-up with the policy's own
 * error message (see {@link EnvelopeFailureAnalyzer}).
 */
@AutoConfiguration
@ConditionalOnClass(Envelope.class)
@ConditionalOnProperty(prefix = "envelope", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(EnvelopeProperties.class)
public class EnvelopeAutoConfiguration {

  /**
   * Where the shared key policy comes from, in this order: an application's own {@link KeyPolicy}
   * bean (fixed); the {@code KeyPolicy} resource {@code envelope.kubernetes.name}; the local
   * config's {@code policySource}; the file {@code envelope.policy}, read again every {@code
   * envelope.reload.interval} unless {@code envelope.reload.enabled=false} or it is a {@code
   * classpath:} resource. The facade loads it at start-up and closes it with the context.
   */
  @Bean
  @ConditionalOnMissingBean
  public PolicySource envelopePolicySource(
      EnvelopeProperties properties,
      LocalConfig localConfig,
      ObjectProvider<KeyPolicy> ownPolicy,
      ResourceLoader loader) {
    KeyPolicy own = ownPolicy.getIfAvailable();
    if (own != null) {
      return PolicySource.fixed(own);
    }
    if (properties.kubernetes().name() != null && !properties.kubernetes().name().isBlank()) {
      return EnvelopeDocuments.kubernetes(properties.kubernetes(), loader.getClassLoader());
    }
    return PolicySource.configured(localConfig)
        .orElseGet(() -> EnvelopeDocuments.policySource(loader, properties));
  }

  /** This cluster's local config; empty when {@code envelope.local-config} is not set. */
  @Bean
  @ConditionalOnMissingBean
  public LocalConfig envelopeLocalConfig(EnvelopeProperties properties, ResourceLoader loader) {
    return EnvelopeDocuments.localConfig(loader, properties.localConfig());
  }

  /**
   * The audit trail: the application's {@link AuditSink} bean, else {@link Slf4jAuditSink} (JSON
   * lines to the {@code envelope.audit} logger); {@code envelope.audit.enabled=false} turns it off.
   */
  @Bean
  public EnvelopeCustomizer envelopeAuditCustomizer(
      EnvelopeProperties properties, ObjectProvider<AuditSink> sinks) {
    return builder -> {
      if (properties.audit().enabled()) {
        builder.audit(sinks.getIfAvailable(Slf4jAuditSink::new));
        builder.auditMessages(properties.audit().messages());
      }
    };
  }

  /** Cached KEK checks, shared by the health indicator and the {@code envelope} endpoint. */
  @Bean
  @ConditionalOnMissingBean
  public EnvelopeChecks envelopeChecks(Envelope envelope, EnvelopeProperties properties) {
    return new EnvelopeChecks(
        envelope, properties.health().cacheTtl(), properties.health().deadline());
  }

  /** The facade; closed with the context (which closes KMS clients and zeroes cached keys). */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public Envelope envelope(
      EnvelopeProperties properties,
      PolicySource policySource,
      LocalConfig localConfig,
      ObjectProvider<KekProvider> providers,
      ObjectProvider<EnvelopeCustomizer> customizers,
      ResourceLoader loader) {
    Envelope.Builder builder =
        Envelope.builder().policySource(policySource).localConfig(localConfig);
    providers.orderedStream().forEach(builder::provider);
    if (properties.discoverProviders()) {
      // The application's class loader, which in a Spring Boot jar is not the thread's default.
      builder.discoverProviders(loader.getClassLoader());
    }
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    return builder.build();
  }
}
