package dev.envelope.core.local;

import dev.envelope.core.InvalidPolicyException;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Key names and directories of the local providers (file I/O: {@link
 * dev.envelope.core.spi.SecretFiles}).
 */
final class KeyFiles {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private KeyFiles() {}

  /** The key name of {@code scheme://NAME}, validated so it cannot escape the key directory. */
  static String name(String uri, String scheme) {
    String prefix = scheme + "://";
    String name = uri.startsWith(prefix) ? uri.substring(prefix.length()) : "";
    if (!NAME.matcher(name).matches()) {
      // Checked here, not only in the policy, because NAME becomes a file name: no "..", no "/".
      throw new InvalidPolicyException(
          "key policy",
          "KEK " + uri,
          "a "
              + scheme
              + " KEK URI is "
              + prefix
              + "NAME, with NAME of 1-64 characters"
              + " A-Z a-z 0-9 . _ - starting with a letter or digit");
    }
    return name;
  }

  static Path directory(dev.envelope.core.spi.ProviderSettings settings) {
    settings.allowOnly(Set.of("dir"));
    return Path.of(settings.get("dir").orElse("."));
  }

  /**
   * The rotation state of a KEK kept in a file: no automatic rotation, the key material as old as
   * the file's last modification (creating or rotating the key writes the file).
   */
  static dev.envelope.core.spi.KeyRotation fileRotation(java.nio.file.Path file, String what) {
    try {
      return dev.envelope.core.spi.KeyRotation.manual(
          java.nio.file.Files.getLastModifiedTime(file).toInstant(),
          what + " " + file + ", last modified");
    } catch (java.io.IOException e) {
      return dev.envelope.core.spi.KeyRotation.unknown(
          "cannot read the modification time of " + file + ": " + e.getClass().getSimpleName());
    }
  }
}
