package dev.envelope.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.Envelope;
import dev.envelope.core.LocalConfig;
import io.fabric8.kubernetes.client.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link KubernetesPolicySource#inCluster} against the mock API server. It configures fabric8
 * through JVM-wide system properties, so it runs in a JVM of its own (the module's surefire forks
 * one per test class).
 */
class InClusterPolicySourceTest extends MockApiServerTest {
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
}
