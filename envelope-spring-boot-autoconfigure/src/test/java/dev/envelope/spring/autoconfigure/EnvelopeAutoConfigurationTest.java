package dev.envelope.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Envelope;
import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.PolicySource;
import dev.envelope.core.PolicyStatus;
import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.kek.hpke.HpkeKekProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class EnvelopeAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  EnvelopeAutoConfiguration.class,
                  EnvelopeMetricsAutoConfiguration.class,
                  EnvelopeHealthAutoConfiguration.class));

  @TempDir Path dir;
  private String policy;
  private String localConfig;

  @BeforeEach
  void keys() throws Exception {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    LocalKekProvider.generate(keys.resolve("app.key"));
    Files.writeString(
        dir.resolve("policy.yaml"), "version: 1\nkeys:\n  payments:\n    keks: [local://app]\n");
    Files.writeString(
        dir.resolve("local.yaml"), "version: 1\nproviders:\n  local:\n    dir: " + keys + "\n");
    policy = "envelope.policy=file:" + dir.resolve("policy.yaml");
    localConfig = "envelope.local-config=file:" + dir.resolve("local.yaml");
  }

  @Test
  void defaultsReadTheClasspathPolicyAndDiscoverNoProviders() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(Envelope.class).hasSingleBean(PolicySource.class);
          EnvelopeProperties properties = context.getBean(EnvelopeProperties.class);
          assertThat(properties.enabled()).isTrue();
          assertThat(properties.discoverProviders()).isFalse();
          assertThat(properties.policy()).isEqualTo("classpath:envelope/policy.yaml");
          assertThat(properties.localConfig()).isNull();
          assertThat(properties.health().cacheTtl()).isEqualTo(Duration.ofMinutes(5));
          assertThat(properties.reload().enabled()).isTrue();
          assertThat(properties.reload().interval()).isEqualTo(Duration.ofSeconds(10));
          assertThat(context.getBean(Envelope.class).policy().keyIds()).containsExactly("payments");
          // A classpath policy cannot change: read once.
          assertThat(context.getBean(PolicySource.class).description())
              .isEqualTo("classpath:envelope/policy.yaml");
          assertThat(context.getBean(LocalConfig.class).prefer()).isEmpty();
          // The hpke jar is on the class path, but nothing registered its provider: as in the core.
          Envelope envelope = context.getBean(Envelope.class);
          assertThatThrownBy(() -> envelope.encrypt("payments", new byte[5], Map.of()))
              .isInstanceOf(KeyUnavailableException.class)
              .hasMessageContaining("no KEK provider for scheme 'hpke'")
              .hasMessageContaining("envelope-kek-hpke");
        });
  }

  @Test
  void discoveryIsOneProperty() {
    runner
        .withPropertyValues("envelope.discover-providers=true")
        .run(
            context -> {
              assertThat(context.getBean(EnvelopeProperties.class).discoverProviders()).isTrue();
              // The hpke provider was discovered: sealing for the public key works, opening cannot
              // here.
              Envelope envelope = context.getBean(Envelope.class);
              byte[] sealed = envelope.encrypt("payments", new byte[5], Map.of());
              assertThatThrownBy(() -> envelope.decrypt(sealed, Map.of()))
                  .isInstanceOf(KeyUnavailableException.class)
                  .hasMessageContaining("no private key");
            });
  }

  @Test
  void propertiesPointAtFilesAndTheFacadeRoundTrips() {
    runner
        .withPropertyValues(
            policy,
            localConfig,
            "envelope.health.cache-ttl=30s",
            "envelope.discover-providers=false")
        .run(
            context -> {
              EnvelopeProperties properties = context.getBean(EnvelopeProperties.class);
              assertThat(properties.health().cacheTtl()).isEqualTo(Duration.ofSeconds(30));
              assertThat(properties.discoverProviders()).isFalse();
              Envelope envelope = context.getBean(Envelope.class);
              byte[] plaintext = "note".getBytes(StandardCharsets.UTF_8);
              byte[] sealed = envelope.encrypt("payments", plaintext, Map.of("user", "ada"));
              assertThat(envelope.decrypt(sealed, Map.of("user", "ada"))).isEqualTo(plaintext);
            });
  }

  @Test
  void theApplicationsOwnBeansWin() throws Exception {
    KeyPolicy own = KeyPolicy.parse("version: 1\nkeys:\n  mine:\n    keks: [local://app]\n", "own");
    runner
        .withPropertyValues(localConfig)
        .withBean(KeyPolicy.class, () -> own)
        .run(
            context -> {
              assertThat(context.getBean(Envelope.class).policy()).isSameAs(own);
              assertThat(context.getBean(Envelope.class).encrypt("mine", new byte[1], Map.of()))
                  .isNotEmpty();
            });
    Envelope mine = Envelope.builder().policy(own).build();
    runner
        .withBean(Envelope.class, () -> mine)
        .run(context -> assertThat(context.getBean(Envelope.class)).isSameAs(mine));
  }

  @Test
  void kekProviderBeansAndCustomizersAreApplied() throws Exception {
    HpkeKekProvider.Generated key = HpkeKekProvider.generate("xwing", dir.resolve("hpke"));
    Files.writeString(
        dir.resolve("hpke-policy.yaml"),
        "version: 1\nkeys:\n  payments:\n    keks: ['" + key.uri() + "']\n");
    Files.writeString(
        dir.resolve("hpke-local.yaml"),
        "version: 1\nproviders:\n  hpke:\n    dir: " + dir.resolve("hpke") + "\n");
    runner
        .withPropertyValues(
            "envelope.policy=file:" + dir.resolve("hpke-policy.yaml"),
            "envelope.local-config=file:" + dir.resolve("hpke-local.yaml"),
            "envelope.discover-providers=false")
        .withBean(HpkeKekProvider.class, HpkeKekProvider::new)
        .withBean(EnvelopeCustomizer.class, () -> builder -> builder.limits(null))
        .run(
            context -> {
              Envelope envelope = context.getBean(Envelope.class);
              byte[] sealed = envelope.encrypt("payments", new byte[3], Map.of());
              assertThat(envelope.decrypt(sealed, Map.of())).hasSize(3);
            });
  }

  @Test
  void withoutTheProviderOnTheClassPathTheKekIsATypedError() {
    runner
        .withClassLoader(new FilteredClassLoader("dev.envelope.kek.hpke"))
        .run(
            context -> {
              Envelope envelope = context.getBean(Envelope.class);
              assertThatThrownBy(() -> envelope.encrypt("payments", new byte[1], Map.of()))
                  .isInstanceOf(KeyUnavailableException.class)
                  .hasMessageContaining("'hpke'");
            });
  }

  @Test
  void withoutMicrometerOrActuatorThereAreNoMetricsOrHealthBeans() {
    runner
        .withPropertyValues(policy, localConfig)
        .withClassLoader(new FilteredClassLoader(MeterRegistry.class, HealthIndicator.class))
        .run(
            context -> {
              assertThat(context)
                  .hasSingleBean(Envelope.class)
                  .doesNotHaveBean(EnvelopeHealthIndicator.class)
                  .doesNotHaveBean("envelopeMetricsCustomizer");
            });
    runner
        .withPropertyValues(policy, localConfig, "envelope.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(Envelope.class));
  }

  @Test
  void anInvalidOrMissingPolicyStopsStartupWithItsMessage() throws Exception {
    Files.writeString(dir.resolve("bad.yaml"), "version: 2\nkeys: {}\n");
    runner
        .withPropertyValues("envelope.policy=file:" + dir.resolve("bad.yaml"))
        .run(
            context -> {
              assertThat(context).hasFailed();
              Throwable failure = context.getStartupFailure();
              InvalidPolicyException cause = findCause(failure);
              assertThat(cause.getMessage()).contains("bad.yaml").contains("version");
              FailureAnalysis analysis = new EnvelopeFailureAnalyzer().analyze(failure);
              assertThat(analysis.getDescription())
                  .startsWith("Envelope could not start")
                  .contains("version");
              assertThat(analysis.getAction()).contains("envelope.policy");
            });
    runner
        .withPropertyValues("envelope.policy=classpath:nowhere.yaml")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(findCause(context.getStartupFailure()).getMessage())
                  .contains("no document at classpath:nowhere.yaml");
            });
  }

  private static InvalidPolicyException findCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InvalidPolicyException e) {
        return e;
      }
    }
    throw new AssertionError("no InvalidPolicyException in " + failure);
  }

  @Test
  void metricsTimeOperationsAndKekCallsAndCountCacheLookups() {
    runner
        .withPropertyValues(policy, localConfig)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context -> {
              Envelope envelope = context.getBean(Envelope.class);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              context
                  .getBean(io.micrometer.core.instrument.binder.MeterBinder.class)
                  .bindTo(registry);
              byte[] sealed = envelope.encrypt("payments", new byte[8], Map.of());
              envelope.decrypt(sealed, Map.of());
              assertThatThrownBy(() -> envelope.decrypt(sealed, Map.of("x", "y")))
                  .isInstanceOf(AuthenticationException.class);
              assertThat(
                      registry
                          .get("envelope.operations")
                          .tags("operation", "encrypt", "key", "payments", "outcome", "success")
                          .timer()
                          .count())
                  .isEqualTo(1);
              assertThat(
                      registry
                          .get("envelope.operations")
                          .tags("operation", "decrypt", "outcome", "AuthenticationException")
                          .timer()
                          .count())
                  .isEqualTo(1);
              assertThat(
                      registry
                          .get("envelope.kek.calls")
                          .tags("operation", "wrap", "kek", "local://app", "outcome", "success")
                          .timer()
                          .count())
                  .isEqualTo(1);
              assertThat(
                      registry
                          .get("envelope.datakey.cache")
                          .tags("cache", "encrypt", "result", "miss")
                          .functionCounter()
                          .count())
                  .isEqualTo(1);
            });
  }

  @Test
  void healthChecksEachKekAndCachesTheResult() throws Exception {
    HpkeKekProvider.Generated elsewhere = HpkeKekProvider.generate("x25519", dir.resolve("other"));
    Files.writeString(
        dir.resolve("two.yaml"),
        "version: 1\nkeys:\n  payments:\n    keks: ["
            + "local://app, '"
            + elsewhere.uri()
            + "']\n    minWrap: 1\n");
    runner
        .withPropertyValues(
            "envelope.policy=file:" + dir.resolve("two.yaml"),
            localConfig,
            "envelope.discover-providers=true")
        .run(
            context -> {
              EnvelopeHealthIndicator indicator = context.getBean(EnvelopeHealthIndicator.class);
              Health health = indicator.health();
              assertThat(health.getStatus()).isEqualTo(Status.UP);
              @SuppressWarnings("unchecked")
              Map<String, Object> payments =
                  (Map<String, Object>)
                      ((Map<String, Object>) health.getDetails().get("keys")).get("payments");
              @SuppressWarnings("unchecked")
              Map<String, Map<String, Object>> keks =
                  (Map<String, Map<String, Object>>) payments.get("keks");
              assertThat(keks.get("local://app")).containsEntry("status", "UP");
              assertThat(keks.get(elsewhere.uri())).containsEntry("status", "SEAL_ONLY");
              long wraps = context.getBean(Envelope.class).stats().wrapCalls("local://app");
              indicator.health();
              assertThat(context.getBean(Envelope.class).stats().wrapCalls("local://app"))
                  .as("cached: no new KEK calls within the TTL")
                  .isEqualTo(wraps);
            });
    Files.writeString(
        dir.resolve("down.yaml"), "version: 1\nkeys:\n  payments:\n    keks: [local://missing]\n");
    runner
        .withPropertyValues("envelope.policy=file:" + dir.resolve("down.yaml"), localConfig)
        .run(
            context -> {
              Health health = context.getBean(EnvelopeHealthIndicator.class).health();
              assertThat(health.getStatus()).isEqualTo(Status.DOWN);
              assertThat(health.getDetails().toString())
                  .contains("local://missing")
                  .contains("KeyUnavailableException");
            });
  }

  /**
   * A {@code file:} policy is watched by default: a changed file is applied without a restart,
   * shows in the health details and the reload metric; an invalid one is rejected and counted.
   */
  @Test
  void aFilePolicyIsReloadedWithoutARestart() throws Exception {
    LocalKekProvider.generate(dir.resolve("keys").resolve("next.key"));
    Path file = dir.resolve("policy.yaml");
    runner
        .withPropertyValues(policy, localConfig, "envelope.reload.interval=50ms")
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context -> {
              Envelope envelope = context.getBean(Envelope.class);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              assertThat(envelope.policyStatus().source()).contains("policy.yaml");
              Files.writeString(
                  file,
                  "version: 1\nkeys:\n  payments:\n    keks: [local://next]\n"
                      + "    decryptOnly: [local://app]\n  audit:\n    keks: [local://next]\n");
              awaitGeneration(envelope, 2);
              byte[] sealed = envelope.encrypt("audit", new byte[4], Map.of());
              assertThat(envelope.decrypt(sealed, Map.of())).hasSize(4);
              // The new logical key is a known metric tag at once.
              assertThat(
                      registry
                          .get("envelope.operations")
                          .tags("operation", "encrypt", "key", "audit", "outcome", "success")
                          .timer()
                          .count())
                  .isEqualTo(1);
              Files.writeString(file, "version: 1\nkeys: {}\n");
              long deadline = System.nanoTime() + 10_000_000_000L;
              while (envelope.policyStatus().lastOutcome() != PolicyStatus.Outcome.REJECTED) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(10);
              }
              Health health = context.getBean(EnvelopeHealthIndicator.class).health();
              assertThat(health.getStatus()).isEqualTo(Status.UP); // the last good policy works
              @SuppressWarnings("unchecked")
              Map<String, Object> details = (Map<String, Object>) health.getDetails().get("policy");
              assertThat(details)
                  .containsEntry("generation", 2L)
                  .containsEntry("lastReload", "REJECTED")
                  .containsEntry("digest", envelope.policy().digest());
              assertThat((String) details.get("lastError")).contains("at least one logical key");
              assertThat(health.getDetails().get("keys").toString()).contains("audit");
              assertThat(
                      registry
                          .get("envelope.policy.reloads")
                          .tag("outcome", "applied")
                          .counter()
                          .count())
                  .isEqualTo(1);
              assertThat(
                      registry
                          .get("envelope.policy.reloads")
                          .tag("outcome", "rejected")
                          .counter()
                          .count())
                  .isEqualTo(1);
              assertThat(registry.get("envelope.policy.generation").gauge().value()).isEqualTo(2);
            });
    Files.writeString(file, "version: 1\nkeys:\n  payments:\n    keks: [local://app]\n");
    runner
        .withPropertyValues(policy, localConfig, "envelope.reload.enabled=false")
        .run(
            context ->
                assertThat(context.getBean(PolicySource.class).description())
                    .doesNotContain("read every"));
  }

  @Test
  void theKubernetesSourceNeedsItsModule() {
    runner
        .withPropertyValues(localConfig, "envelope.kubernetes.name=shared-keys")
        .withClassLoader(new FilteredClassLoader("dev.envelope.kubernetes"))
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(InvalidPolicyException.class)
                    .hasMessageContaining("envelope-kubernetes"));
  }

  @Test
  void healthShowsEachKeksRotationVerdictWithoutGoingDown() throws Exception {
    Files.writeString(
        dir.resolve("rotating.yaml"),
        "version: 1\nkeys:\n  payments:\n    keks: [local://app]\n    rotationPeriod: P90D\n");
    Files.setLastModifiedTime(
        dir.resolve("keys").resolve("app.key"),
        java.nio.file.attribute.FileTime.from(
            java.time.Instant.now().minus(java.time.Duration.ofDays(200))));
    runner
        .withPropertyValues("envelope.policy=file:" + dir.resolve("rotating.yaml"), localConfig)
        .run(
            context -> {
              Health health = context.getBean(EnvelopeHealthIndicator.class).health();
              assertThat(health.getStatus()).isEqualTo(Status.UP);
              assertThat(health.getDetails().get("keys").toString())
                  .contains("rotation")
                  .contains("NOT_COMPLIANT")
                  .contains("200 days old");
            });
  }

  private static void awaitGeneration(Envelope envelope, long generation)
      throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (envelope.policyStatus().generation() < generation) {
      assertThat(System.nanoTime()).as("reload within 10 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
