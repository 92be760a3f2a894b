package dev.envelope.jmh;

import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.local.LocalKekProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a corpus for measuring {@code envelope scan} and {@code envelope rewrap --recursive} as
 * whole processes: {@code ScanCorpus DIR N} creates {@code DIR/keys/old.key}, {@code new.key}, the
 * policies {@code DIR/old.yaml} ({@code keks: [local://old]}) and {@code DIR/rotated.yaml} ({@code
 * keks: [local://new]}, {@code decryptOnly: [local://old]}), and N envelopes of 100 bytes under the
 * old policy in {@code DIR/data/NNN/} (1000 per directory), sharing data keys as an application's
 * would (one per million messages).
 */
public final class ScanCorpus {
  private ScanCorpus() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    Path keys = Files.createDirectories(dir.resolve("keys"));
    LocalKekProvider.generate(keys.resolve("old.key"));
    LocalKekProvider.generate(keys.resolve("new.key"));
    String local = "version: 1\nproviders:\n  local: {dir: " + keys + "}\n";
    Files.writeString(dir.resolve("local.yaml"), local);
    Files.writeString(
        dir.resolve("old.yaml"), "version: 1\nkeys:\n  payments:\n    keks: [local://old]\n");
    Files.writeString(
        dir.resolve("rotated.yaml"),
        "version: 1\nkeys:\n  payments:\n    keks: [local://new]\n    decryptOnly: [local://old]\n");
    try (Envelope envelope =
        Envelope.builder()
            .policy(KeyPolicy.builder().key("payments", List.of("local://old"), List.of()).build())
            .localConfig(
                LocalConfig.builder().provider("local", Map.of("dir", keys.toString())).build())
            .build()) {
      byte[] record = Payloads.of(100);
      for (int i = 0; i < n; i++) {
        Path sub = dir.resolve("data").resolve(String.format("%03d", i / 1000));
        if (i % 1000 == 0) {
          Files.createDirectories(sub);
        }
        Files.write(
            sub.resolve(i + ".env"),
            envelope.encrypt("payments", record, Map.of("record", Integer.toString(i))));
      }
    }
    System.out.println("wrote " + n + " envelopes under " + dir.resolve("data"));
  }
}
