package dev.envelope.core;

import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.core.local.TinkKeysetKekProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A temporary key directory with real local KEK files and Tink keysets; deleted on close. */
final class Fixture implements AutoCloseable {
  final Path dir;

  Fixture() {
    try {
      dir = Files.createTempDirectory("envelope-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates {@code <dir>/name.key} and returns {@code local://name}. */
  String local(String name) {
    try {
      LocalKekProvider.generate(dir.resolve(name + ".key"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "local://" + name;
  }

  /** Creates {@code <dir>/name.json} and returns {@code tink-keyset://name}. */
  String tink(String name) {
    try {
      TinkKeysetKekProvider.generate(dir.resolve(name + ".json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "tink-keyset://" + name;
  }

  LocalConfig config(String... prefer) {
    return LocalConfig.builder()
        .prefer(prefer)
        .provider("local", Map.of("dir", dir.toString()))
        .provider("tink-keyset", Map.of("dir", dir.toString()))
        .build();
  }

  Envelope envelope(KeyPolicy policy, String... prefer) {
    return Envelope.builder().policy(policy).localConfig(config(prefer)).build();
  }

  static KeyPolicy policy(String keyId, List<String> keks, List<String> decryptOnly) {
    return KeyPolicy.builder().key(keyId, keks, decryptOnly).build();
  }

  static KeyPolicy policy(String keyId, String... keks) {
    return policy(keyId, List.of(keks), List.of());
  }

  @Override
  public void close() {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
