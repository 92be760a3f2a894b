package dev.envelope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two "clusters" sharing only a policy of public keys, through the jar. */
class HpkeCliIT {
  @TempDir Path dir;

  private CliProcess cli() {
    return new CliProcess(dir);
  }

  private String publicKeyUri(Path keyDir) throws Exception {
    try (Stream<Path> files = Files.list(keyDir)) {
      Path pub = files.filter(p -> p.toString().endsWith(".pub")).findFirst().orElseThrow();
      return Files.readString(pub).strip();
    }
  }

  @Test
  void keygenPrintsAPolicyUriAndTheOtherClusterOpensWhatThisOneSealed() throws Exception {
    CliProcess.Result genA = cli().run("keygen", "xwing", "--out", "cluster-a");
    assertThat(genA.exit()).as(genA.stderr()).isZero();
    CliProcess.Result genB = cli().run("keygen", "hpke", "--out", "cluster-b");
    assertThat(genB.exit()).as(genB.stderr()).isZero();
    String uriA = publicKeyUri(dir.resolve("cluster-a"));
    String uriB = publicKeyUri(dir.resolve("cluster-b"));
    assertThat(genA.stdout()).contains(uriA).contains("providers.hpke.dir");
    assertThat(uriA).startsWith("hpke://xwing/");
    assertThat(uriB).startsWith("hpke://x25519/");

    Files.writeString(
        dir.resolve("policy.yaml"),
        "version: 1\nkeys:\n  payments:\n    keks: ['" + uriA + "', '" + uriB + "']\n");
    for (String cluster : List.of("cluster-a", "cluster-b")) {
      Files.writeString(
          dir.resolve(cluster + ".yaml"),
          "version: 1\nproviders:\n  hpke:\n    dir: " + dir.resolve(cluster) + "\n");
    }
    Files.writeString(dir.resolve("message.txt"), "from A to B\n");
    CliProcess.Result enc =
        cli()
            .run(
                "encrypt",
                "-p",
                "policy.yaml",
                "-c",
                "cluster-a.yaml",
                "-k",
                "payments",
                "-i",
                "message.txt",
                "-o",
                "message.env");
    assertThat(enc.exit()).as(enc.stderr()).isZero();
    CliProcess.Result dec =
        cli().run("decrypt", "-p", "policy.yaml", "-c", "cluster-b.yaml", "-i", "message.env");
    assertThat(dec.exit()).as(dec.stderr()).isZero();
    assertThat(dec.stdout()).isEqualTo("from A to B\n");

    CliProcess.Result inspect = cli().run("inspect", "message.env");
    assertThat(inspect.stdout()).contains("HPKE-XWING-A256GCM").contains("HPKE-X25519-A256GCM");
  }
}
