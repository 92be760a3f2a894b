package dev.envelope.kmsplugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The files in {@code deploy/kms-plugin/} agree with the plugin and with each other: the static
 * pod's arguments parse, its probes hit the plugin's loopback port and paths, the
 * EncryptionConfiguration names the same socket, and the example policy and local config load.
 */
class DeployFilesTest {
  private static final Path DEPLOY = Path.of("..", "deploy", "kms-plugin");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void theStaticPodTheEncryptionConfigurationAndTheExamplesFitTogether() throws Exception {
    JsonNode pod = YAML.readTree(DEPLOY.resolve("static-pod.yaml").toFile());
    assertThat(pod.path("kind").asText()).isEqualTo("Pod");
    assertThat(pod.path("metadata").path("namespace").asText()).isEqualTo("kube-system");
    assertThat(pod.path("spec").path("priorityClassName").asText())
        .isEqualTo("system-node-critical");
    JsonNode container = pod.path("spec").path("containers").get(0);
    List<String> command = new ArrayList<>();
    container.path("command").forEach(c -> command.add(c.asText()));
    int jar = command.indexOf("-jar");
    KmsPluginCommand parsed = new KmsPluginCommand();
    new CommandLine(parsed)
        .parseArgs(command.subList(jar + 2, command.size()).toArray(String[]::new));
    assertThat(parsed.key).isEqualTo("etcd");
    JsonNode liveness = container.path("livenessProbe").path("httpGet");
    assertThat(liveness.path("host").asText()).isEqualTo("127.0.0.1");
    assertThat(liveness.path("path").asText()).isEqualTo("/livez");
    assertThat(liveness.path("port").asInt()).isEqualTo(parsed.healthPort);
    // The socket directory is a hostPath the apiserver mounts too.
    List<String> hostPaths = new ArrayList<>();
    pod.path("spec")
        .path("volumes")
        .forEach(v -> hostPaths.add(v.path("hostPath").path("path").asText()));
    assertThat(hostPaths)
        .contains(parsed.socket.getParent().toString(), parsed.stateDir.toString());
    assertThat(pod.path("spec").path("serviceAccountName").isMissingNode())
        .as("no service account: no cluster dependency")
        .isTrue();

    JsonNode encryption = YAML.readTree(DEPLOY.resolve("encryption-configuration.yaml").toFile());
    assertThat(encryption.path("kind").asText()).isEqualTo("EncryptionConfiguration");
    JsonNode kms = encryption.path("resources").get(0).path("providers").get(0).path("kms");
    assertThat(kms.path("apiVersion").asText()).isEqualTo("v2");
    assertThat(kms.path("endpoint").asText()).isEqualTo("unix://" + parsed.socket);

    KeyPolicy policy = KeyPolicy.load(DEPLOY.resolve("policy.yaml"));
    assertThat(policy.key(parsed.key)).isPresent();
    LocalConfig.load(DEPLOY.resolve("local.yaml"));
  }
}
