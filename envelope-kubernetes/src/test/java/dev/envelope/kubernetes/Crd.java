package dev.envelope.kubernetes;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository keeps the CRD, found from the module's working directory. */
final class Crd {
  static final Path FILE = find("deploy/crds/keypolicies.envelope.dev.yaml");

  private Crd() {}

  static Path find(String relative) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(relative);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
  }

  static Path root() {
    return FILE.getParent().getParent().getParent();
  }
}
