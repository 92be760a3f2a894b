package dev.envelope.kmsplugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wire compatibility without our generated stubs: Node's {@code @grpc/grpc-js} with the service
 * loaded from the {@code .proto} at run time by {@code @grpc/proto-loader} calls the plugin over
 * its Unix socket ({@code src/test/node/wire.js}). The npm packages are installed once into {@code
 * target/node-wire} (pinned versions). Without node and npm the test is skipped locally and fails
 * in CI.
 */
class NodeWireTest {
  @TempDir Path dir;

  @Test
  void grpcJsWithTheProtoLoadedAtRunTimeTalksToThePlugin() throws Exception {
    boolean tools = onPath("node") && onPath("npm");
    if (System.getenv("CI") != null) {
      assertThat(tools).as("node and npm (installed by .ci/run)").isTrue();
    }
    assumeTrue(tools, "node and npm are not installed");
    Path work = Path.of("target/node-wire").toAbsolutePath();
    Files.createDirectories(work);
    Files.copy(
        Path.of("src/test/node/package.json"),
        work.resolve("package.json"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        Path.of("src/test/node/wire.js"),
        work.resolve("wire.js"),
        StandardCopyOption.REPLACE_EXISTING);
    if (!Files.isDirectory(work.resolve("node_modules/@grpc/grpc-js"))) {
      run(work, 300, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error");
    }
    PluginFixture fixture = new PluginFixture(dir);
    fixture.policy(fixture.localKek("etcd-a"), "", 1);
    try (KmsPlugin plugin = fixture.start()) {
      String out =
          run(
              work,
              60,
              "node",
              "wire.js",
              Path.of("src/main/proto/kms_v2.proto").toAbsolutePath().toString(),
              fixture.socket.toString());
      JsonNode r =
          new ObjectMapper()
              .readTree(out.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
      assertThat(r.path("status").path("version").asText()).isEqualTo("v2");
      assertThat(r.path("status").path("healthz").asText()).isEqualTo("ok");
      String keyId = r.path("status").path("key_id").asText();
      assertThat(keyId).startsWith("envelope:v1:etcd:");
      assertThat(r.path("encrypt").path("keyId").asText()).isEqualTo(keyId);
      assertThat(r.path("encrypt").path("ciphertextBytes").asInt()).isBetween(1, 1024);
      assertThat(r.path("decryptMatches").asBoolean()).isTrue();
      assertThat(r.path("unknownKeyId").path("code").asText()).isEqualTo("INVALID_ARGUMENT");
      assertThat(r.path("tampered").path("code").asText()).isEqualTo("INVALID_ARGUMENT");
    }
  }

  private static String run(Path dir, int seconds, String... command)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(List.of(command))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(seconds, TimeUnit.SECONDS))
        .as(String.join(" ", command) + " finished")
        .isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
    return out;
  }

  private static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }
}
