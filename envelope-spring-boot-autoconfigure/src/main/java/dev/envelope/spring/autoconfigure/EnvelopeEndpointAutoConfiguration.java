package dev.envelope.spring.autoconfigure;

import dev.envelope.core.Envelope;
import java.util.Locale;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With Spring Boot Actuator: the {@code envelope} endpoint ({@link EnvelopeEndpoint}), available
 * when enabled and exposed as Actuator decides ({@code management.endpoints.web.exposure.include}).
 */
@AutoConfiguration(after = EnvelopeAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
@ConditionalOnBean(Envelope.class)
public class EnvelopeEndpointAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnAvailableEndpoint(EnvelopeEndpoint.class)
  public EnvelopeEndpoint envelopeEndpoint(
      Envelope envelope, EnvelopeChecks checks, EnvelopeProperties properties) {
    Show show =
        Show.valueOf(
            properties.endpoint().showDetails().trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    return new EnvelopeEndpoint(envelope, checks, show, properties.endpoint().roles());
  }
}
