package dev.envelope.spring.autoconfigure;

import dev.envelope.core.Envelope;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With Spring Boot Actuator: the {@code envelope} health indicator ({@link
 * EnvelopeHealthIndicator}); {@code management.health.envelope.enabled=false} turns it off.
 */
@AutoConfiguration(after = EnvelopeAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
@ConditionalOnBean(Envelope.class)
@ConditionalOnEnabledHealthIndicator("envelope")
public class EnvelopeHealthAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "envelopeHealthIndicator")
  public EnvelopeHealthIndicator envelopeHealthIndicator(Envelope envelope, EnvelopeChecks checks) {
    return new EnvelopeHealthIndicator(envelope, checks);
  }
}
