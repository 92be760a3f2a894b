package dev.envelope.samples.notes;

import static org.springframework.security.config.Customizer.withDefaults;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who may see what: the notes API and health stay open (the sample identifies users by a header),
 * while {@code /actuator/envelope} and metrics need the {@code OPS} role over HTTP basic, as any
 * sensitive Actuator endpoint should. The ops user comes from {@code spring.security.user.*}.
 */
@Configuration
public class OpsSecurity {
  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(
            a ->
                a.requestMatchers("/actuator/envelope", "/actuator/metrics/**")
                    .hasRole("OPS")
                    .anyRequest()
                    .permitAll())
        .httpBasic(withDefaults())
        // A stateless JSON API called by curl in the demo; browsers never hold a session here.
        .csrf(c -> c.disable())
        .build();
  }
}
