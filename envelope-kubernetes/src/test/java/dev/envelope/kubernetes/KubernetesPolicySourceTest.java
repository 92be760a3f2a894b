package dev.envelope.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.Envelope;
import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.PolicyStatus;
import dev.envelope.core.PolicyStatus.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The real fabric8 client against fabric8's mock API server in CRUD mode (it stores what is created
 * and serves list and watch on it over real HTTP), with real local KEK files.
 */
class KubernetesPolicySourceTest extends MockApiServerTest {
  private Envelope watching() {
    return Envelope.builder()
        .policySource(
            KubernetesPolicySource.of(workload, "payments", "shared-keys", Duration.ofMillis(200)))
        .localConfig(
            LocalConfig.builder().provider("local", Map.of("dir", keys.toString())).build())
        .build();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 20 s");
      }
      Thread.sleep(10);
    }
  }

  @Test
  void theResourceIsReadThenWatchedAndEachChangeAppliedWithoutARestart() throws Exception {
    apply("      keks: [local://a]\n");
    try (Envelope envelope = watching()) {
      PolicyStatus first = envelope.policyStatus();
      assertThat(first.source()).isEqualTo("KeyPolicy payments/shared-keys");
      assertThat(first.generation()).isEqualTo(1);
      byte[] old = envelope.encrypt("payments", "old".getBytes(StandardCharsets.UTF_8), CTX);

      apply("      keks: [local://b]\n      decryptOnly: [local://a]\n");
      await(() -> envelope.policyStatus().generation() == 2);
      byte[] fresh = envelope.encrypt("payments", "new".getBytes(StandardCharsets.UTF_8), CTX);
      assertThat(Envelope.inspect(fresh, envelope.policy()).recipients())
          .extracting(r -> r.kekUri().orElseThrow())
          .containsExactly("local://b");
      assertThat(envelope.decrypt(old, CTX)).asString().isEqualTo("old");

      // The informer's resyncs (every 200 ms here) re-deliver the same spec: nothing is reported.
      Thread.sleep(700);
      assertThat(envelope.policyStatus().generation()).isEqualTo(2);
      assertThat(envelope.policyStatus().lastOutcome()).isEqualTo(Outcome.APPLIED);
    }
  }

  @Test
  void anInvalidOrDeletedResourceIsRejectedAndTheLastGoodPolicyStays() throws Exception {
    apply("      keks: [local://a]\n");
    try (Envelope envelope = watching()) {
      apply("      keks: [local://a]\n      minWrap: 3\n");
      await(() -> envelope.policyStatus().lastOutcome() == Outcome.REJECTED);
      assertThat(envelope.policyStatus().lastError().orElseThrow())
          .contains("KeyPolicy payments/shared-keys (resourceVersion ")
          .contains("spec.keys.payments.minWrap");
      assertThat(envelope.encrypt("payments", new byte[1], CTX)).isNotEmpty();

      apply("      keks: [local://a, local://b]\n");
      await(() -> envelope.policyStatus().generation() == 2);

      admin
          .genericKubernetesResources(KubernetesPolicySource.KEY_POLICIES)
          .inNamespace("payments")
          .withName("shared-keys")
          .delete();
      await(() -> envelope.policyStatus().lastOutcome() == Outcome.REJECTED);
      assertThat(envelope.policyStatus().lastError().orElseThrow()).contains("was deleted");
      assertThat(envelope.policy().key("payments").orElseThrow().keks()).hasSize(2);

      apply("      keks: [local://b]\n      decryptOnly: [local://a]\n");
      await(() -> envelope.policyStatus().generation() == 3);
    }
  }

  @Test
  void aMissingResourceFailsTheBuildTyped() {
    assertThatThrownBy(this::watching)
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("KeyPolicy payments/shared-keys")
        .hasMessageContaining("not found");
  }
}
