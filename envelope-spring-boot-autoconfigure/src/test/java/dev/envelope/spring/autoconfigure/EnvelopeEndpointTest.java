package dev.envelope.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.Envelope;
import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.audit.AuditSink;
import dev.envelope.core.local.LocalKekProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code envelope} Actuator endpoint with Actuator's own endpoint auto-configuration: exposed
 * only when the application opts in, details only for whom show-details allows, checks cached; and
 * the audit trail the starter wires.
 */
@ExtendWith(OutputCaptureExtension.class)
class EnvelopeEndpointTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  EndpointAutoConfiguration.class,
                  EnvelopeAutoConfiguration.class,
                  EnvelopeHealthAutoConfiguration.class,
                  EnvelopeEndpointAutoConfiguration.class));

  @TempDir Path dir;
  private String[] files;

  /** Records events, for the tests that count KEK calls. */
  @Configuration
  static class RecordingAudit {
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();

    @Bean
    AuditSink recordingSink() {
      return events::add;
    }
  }

  @BeforeEach
  void keys() throws Exception {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    LocalKekProvider.generate(keys.resolve("app.key"));
    Files.writeString(
        dir.resolve("policy.yaml"),
        "version: 1\nkeys:\n  payments:\n    keks: [local://app]\n    rotationPeriod: P90D\n");
    Files.writeString(
        dir.resolve("local.yaml"), "version: 1\nproviders:\n  local:\n    dir: " + keys + "\n");
    files =
        new String[] {
          "envelope.policy=file:" + dir.resolve("policy.yaml"),
          "envelope.local-config=file:" + dir.resolve("local.yaml")
        };
  }

  private static SecurityContext user(String... roles) {
    return new SecurityContext() {
      @Override
      public Principal getPrincipal() {
        return () -> "ops";
      }

      @Override
      public boolean isUserInRole(String role) {
        return List.of(roles).contains(role);
      }
    };
  }

  @Test
  void notExposedUnlessTheApplicationOptsIn() {
    runner
        .withPropertyValues(files)
        .run(context -> assertThat(context).doesNotHaveBean(EnvelopeEndpoint.class));
    runner
        .withPropertyValues(files)
        .withPropertyValues("management.endpoints.web.exposure.include=envelope")
        .run(context -> assertThat(context).hasSingleBean(EnvelopeEndpoint.class));
    runner
        .withPropertyValues(files)
        .withPropertyValues(
            "management.endpoints.web.exposure.include=envelope",
            "management.endpoint.envelope.access=NONE")
        .run(context -> assertThat(context).doesNotHaveBean(EnvelopeEndpoint.class));
  }

  @Test
  @SuppressWarnings("unchecked")
  void authorizedUsersSeeEachKekAndOthersOnlyTheVerdict() {
    runner
        .withPropertyValues(files)
        .withPropertyValues(
            "management.endpoints.web.exposure.include=envelope", "envelope.endpoint.roles=OPS")
        .run(
            context -> {
              EnvelopeEndpoint endpoint = context.getBean(EnvelopeEndpoint.class);
              Map<String, Object> anonymous = endpoint.envelope(SecurityContext.NONE);
              Map<String, Object> checks = (Map<String, Object>) anonymous.get("checks");
              assertThat(checks).containsEntry("verdict", "healthy").doesNotContainKey("keks");
              assertThat((Map<String, Object>) anonymous.get("policy"))
                  .containsKeys("digest", "generation", "lastReload")
                  .doesNotContainKey("source");
              assertThat(endpoint.envelope(user("OTHER")).get("checks"))
                  .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                  .doesNotContainKey("keks");

              Map<String, Object> full = endpoint.envelope(user("OPS"));
              assertThat((Map<String, Object>) full.get("policy"))
                  .containsEntry("generation", 1L)
                  .containsEntry("lastReload", "LOADED")
                  .containsKey("source");
              List<Map<String, Object>> keks =
                  (List<Map<String, Object>>)
                      ((Map<String, Object>) full.get("checks")).get("keks");
              assertThat(keks)
                  .singleElement()
                  .satisfies(
                      k -> {
                        assertThat(k)
                            .containsEntry("uri", "local://app")
                            .containsEntry("canWrap", true)
                            .containsEntry("canUnwrap", true);
                        assertThat((Map<String, Object>) k.get("description"))
                            .containsEntry("keyState", "ENABLED")
                            .containsEntry(
                                "identity", "AES-256 key file " + dir.resolve("keys/app.key"));
                        assertThat(k.get("rotation").toString()).contains("COMPLIANT");
                      });
              assertThat(
                      (List<Map<String, Object>>)
                          ((Map<String, Object>) full.get("checks")).get("keys"))
                  .singleElement()
                  .satisfies(
                      k ->
                          assertThat(k)
                              .containsEntry("canSeal", true)
                              .containsEntry("canOpen", true));
              Envelope envelope = context.getBean(Envelope.class);
              envelope.encrypt("payments", new byte[3], Map.of());
              assertThat((Map<String, Object>) endpoint.envelope(user("OPS")).get("cache"))
                  .containsEntry("encryptMisses", 1L)
                  .containsKeys("wrapCalls", "auditEvents", "auditDropped");
            });
  }

  @Test
  void requestsAnswerFromTheCachedChecksSharedWithHealth() {
    runner
        .withUserConfiguration(RecordingAudit.class)
        .withPropertyValues(files)
        .withPropertyValues("management.endpoints.web.exposure.include=envelope")
        .run(
            context -> {
              EnvelopeEndpoint endpoint = context.getBean(EnvelopeEndpoint.class);
              for (int i = 0; i < 5; i++) {
                endpoint.envelope(user());
                context.getBean(EnvelopeHealthIndicator.class).health();
              }
              Thread.sleep(300); // the audit thread hands events over asynchronously
              List<AuditEvent> events = context.getBean(RecordingAudit.class).events;
              assertThat(events)
                  .filteredOn(e -> e instanceof AuditEvent.KekCall c && c.probe())
                  .as("one wrap and one unwrap probe for ten requests")
                  .hasSize(2);
            });
  }

  @Test
  void theStarterWritesTheAuditTrailToTheDedicatedLoggerUnlessTurnedOff(CapturedOutput output) {
    runner
        .withPropertyValues(files)
        .run(
            context -> {
              context.getBean(Envelope.class).encrypt("payments", new byte[5], Map.of());
              context.getBean(Envelope.class).close(); // drains the audit queue
            });
    assertThat(output.getOut())
        .contains("envelope.audit")
        .contains("{\"event\":\"policy-reload\"")
        .contains("{\"event\":\"data-key-rollover\"")
        .contains("\"event\":\"kek-call\",\"time\"");
    runner
        .withUserConfiguration(RecordingAudit.class)
        .withPropertyValues(files)
        .withPropertyValues("envelope.audit.enabled=false")
        .run(
            context -> {
              context.getBean(Envelope.class).encrypt("payments", new byte[5], Map.of());
              context.getBean(Envelope.class).close();
              assertThat(context.getBean(RecordingAudit.class).events).isEmpty();
            });
    runner
        .withUserConfiguration(RecordingAudit.class)
        .withPropertyValues(files)
        .withPropertyValues("envelope.audit.messages=true")
        .run(
            context -> {
              Envelope envelope = context.getBean(Envelope.class);
              envelope.decrypt(envelope.encrypt("payments", new byte[5], Map.of()), Map.of());
              envelope.close();
              assertThat(context.getBean(RecordingAudit.class).events)
                  .filteredOn(AuditEvent.Message.class::isInstance)
                  .hasSize(2);
            });
  }
}
