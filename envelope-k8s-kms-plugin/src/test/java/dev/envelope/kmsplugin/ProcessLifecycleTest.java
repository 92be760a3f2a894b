package dev.envelope.kmsplugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin as its own process (the runnable jar's main class): serving, then SIGTERM. */
class ProcessLifecycleTest {
  @TempDir Path dir;

  @Test
  void sigtermStopsGracefullyAndRemovesTheSocket() throws Exception {
    PluginFixture fixture = new PluginFixture(dir);
    fixture.policy(fixture.localKek("etcd-a"), "", 1);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.add(KmsPluginCommand.class.getName());
    command.addAll(
        List.of(
            "--socket", fixture.socket.toString(),
            "--key", "etcd",
            "--policy", fixture.policy.toString(),
            "--local-config", fixture.local.toString(),
            "--state-dir", fixture.state.toString(),
            "--health-port", "0"));
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("plugin.log").toFile())
            .start();
    try {
      long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!Files.exists(fixture.socket)) {
        assertThat(p.isAlive())
            .as(
                Files.exists(dir.resolve("plugin.log"))
                    ? Files.readString(dir.resolve("plugin.log"))
                    : "")
            .isTrue();
        assertThat(System.nanoTime()).as("the socket appears").isLessThan(end);
        Thread.sleep(50);
      }
      try (ApiServer api = new ApiServer(fixture.socket)) {
        ApiServer.Stored s = api.sealer();
        assertThat(api.open(s)).isEqualTo(s.seed());
      }
      p.destroy(); // SIGTERM, as the kubelet sends
      assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("stops within the grace period").isTrue();
      assertThat(Files.exists(fixture.socket)).as("socket removed").isFalse();
      assertThat(Files.readString(dir.resolve("plugin.log"))).contains("KMS plugin stopped");
    } finally {
      p.destroyForcibly();
    }
  }
}
