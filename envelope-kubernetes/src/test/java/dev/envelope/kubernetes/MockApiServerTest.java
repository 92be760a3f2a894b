package dev.envelope.kubernetes;

import dev.envelope.core.local.LocalKekProvider;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The real fabric8 client against fabric8's mock API server in CRUD mode (it stores what is created
 * and serves list and watch on it over real HTTP), with real local KEK files.
 */
abstract class MockApiServerTest {
  static final Map<String, String> CTX = Map.of("tenant", "acme");

  KubernetesMockServer server;
  KubernetesClient admin; // plays the GitOps controller
  KubernetesClient workload; // the pod's client
  Path keys;

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

  void apply(String specKeksYaml) {
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
}
