package dev.envelope.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.Envelope;
import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.PolicyStatus;
import dev.envelope.core.PolicyStatus.Outcome;
import dev.envelope.core.local.LocalKekProvider;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real fabric8 client against fabric8's mock API server in CRUD mode (it stores what is created
 * and serves list and watch on it over real HTTP), with real local KEK files.
 */
class KubernetesPolicySourceTest {
  private static final Map<String, String> CTX = Map.of("tenant", "acme");

  private KubernetesMockServer server;
  private KubernetesClient admin; // plays the GitOps controller
  private KubernetesClient workload; // the pod's client
  private Path keys;

  @BeforeEach
  void setUp() throws IOException {
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            true);
    server.init();
    admin = server.createClient();
    // The real CRD of deploy/crds/, created through the API as kubectl apply would.
    admin.apiextensions().v1().customResourceDefinitions().load(Crd.FILE.toFile()).create();
    workload = server.createClient();
    keys = Files.createTempDirectory("envelope-k8s-keys-");
    for (String k : List.of("a", "b")) {
      LocalKekProvider.generate(keys.resolve(k + ".key"));
    }
  }

  @AfterEach
  void tearDown() throws IOException {
    if (workload != null) {
      workload.close();
    }
    admin.close();
    server.destroy();
    try (Stream<Path> files = Files.walk(keys)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private void apply(String specKeksYaml) {
    String manifest =
        "apiVersion: envelope.dev/v1alpha1\nkind: KeyPolicy\nmetadata:\n  name: shared-keys\n"
            + "  namespace: payments\nspec:\n  keys:\n    payments:\n"
            + specKeksYaml;
    GenericKubernetesResource r =
        admin.getKubernetesSerialization().unmarshal(manifest, GenericKubernetesResource.class);
    admin
        .genericKubernetesResources(KubernetesPolicySource.KEY_POLICIES)
        .inNamespace("payments")
        .resource(r)
        .createOr(existing -> existing.update());
  }

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

  /**
   * The in-cluster path: no client given, so fabric8 configures itself as in a pod — here from the
   * same settings a pod provides (API server address, the projected service-account token file, the
   * namespace), pointed at the mock — and every request carries the file's token.
   */
  @Test
  void inClusterAuthenticatesWithTheServiceAccountTokenFile() throws Exception {
    apply("      keks: [local://a]\n");
    Path token = keys.resolve("token");
    Files.writeString(token, "projected-service-account-token");
    Map<String, String> pod =
        Map.of(
            "kubernetes.master",
            admin.getConfiguration().getMasterUrl(),
            "kubernetes.trust.certificates",
            "true",
            "kubernetes.auth.tryKubeConfig",
            "false",
            Config.KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN_FILE_SYSTEM_PROPERTY,
            token.toString(),
            "kubernetes.namespace",
            "payments");
    pod.forEach(System::setProperty);
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // drop the requests of the set-up
    }
    try (Envelope envelope =
        Envelope.builder()
            .policySource(KubernetesPolicySource.inCluster(null, "shared-keys"))
            .localConfig(
                LocalConfig.builder().provider("local", Map.of("dir", keys.toString())).build())
            .build()) {
      assertThat(envelope.policyStatus().source()).isEqualTo("KeyPolicy payments/shared-keys");
      // Every request of the in-cluster client (the read, the informer's list and watch)
      // carries the file's token; wait for the watch so that closing ends an established one.
      boolean watched = false;
      while (!watched) {
        var request = server.takeRequest(10, TimeUnit.SECONDS);
        assertThat(request).as("the informer's watch request").isNotNull();
        if (request.getPath().contains("keypolicies")) {
          assertThat(request.getHeader("Authorization"))
              .isEqualTo("Bearer projected-service-account-token");
        }
        watched = request.getPath().contains("watch=true");
      }
    } finally {
      pod.keySet().forEach(System::clearProperty);
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
