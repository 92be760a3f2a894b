package dev.envelope.kmsplugin;

import dev.envelope.core.local.LocalKekProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A key directory, a policy file that tests rewrite, and a plugin started over them. */
final class PluginFixture {
  final Path dir;
  final Path keys;
  final Path policy;
  final Path local;
  final Path socket;
  final Path state;

  PluginFixture(Path dir) throws IOException {
    this.dir = dir;
    this.keys = Files.createDirectories(dir.resolve("keys"));
    this.policy = dir.resolve("policy.yaml");
    this.local = dir.resolve("local.yaml");
    this.socket = dir.resolve("run/kms.sock");
    this.state = dir.resolve("state");
    Files.writeString(local, "version: 1\nproviders:\n  local:\n    dir: " + keys + "\n");
  }

  /** Creates {@code keys/NAME.key} and returns {@code local://NAME}. */
  String localKek(String name) throws IOException {
    LocalKekProvider.generate(keys.resolve(name + ".key"));
    return "local://" + name;
  }

  /** Writes the policy with logical key {@code etcd}. */
  void policy(String keks, String decryptOnly, int minWrap) throws IOException {
    Path tmp = dir.resolve("policy.yaml.tmp");
    Files.writeString(
        tmp,
        "version: 1\nkeys:\n  etcd:\n    keks: ["
            + keks
            + "]\n"
            + (decryptOnly.isEmpty() ? "" : "    decryptOnly: [" + decryptOnly + "]\n")
            + "    minWrap: "
            + minWrap
            + "\n");
    Files.move(
        tmp,
        policy,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  KmsPlugin start() throws IOException {
    return start(local);
  }

  KmsPlugin start(Path localConfig) throws IOException {
    return KmsPlugin.start(
        new KmsPlugin.Settings(
            socket,
            "etcd",
            policy,
            localConfig,
            state,
            0,
            Duration.ofMillis(100),
            Duration.ofMillis(300),
            Duration.ofSeconds(3),
            Duration.ofSeconds(2)));
  }
}
