package dev.envelope.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files under the paths a bulk command was given: regular files as they are, directories walked
 * (without following symbolic links), skipping this CLI's own temporary files.
 */
final class EnvelopeFiles {
  private EnvelopeFiles() {}

  static List<Path> under(List<Path> paths) {
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> walk = Files.walk(p)) {
          walk.filter(Files::isRegularFile)
              .filter(f -> !AtomicFile.isTemporary(f))
              .forEach(out::add);
        } catch (IOException e) {
          throw new UncheckedIOException("walking " + p + " failed", e);
        }
      } else {
        out.add(p);
      }
    }
    return out;
  }
}
