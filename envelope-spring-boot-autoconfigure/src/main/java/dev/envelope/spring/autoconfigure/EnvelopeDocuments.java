package dev.envelope.spring.autoconfigure;

import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/** Reads the key policy and local config from Spring resource locations. */
final class EnvelopeDocuments {
  /** Policies and local configs are small; a larger "policy" is a mistake, not read whole. */
  private static final int MAX_BYTES = 1 << 20;

  private EnvelopeDocuments() {}

  static KeyPolicy policy(ResourceLoader loader, String location) {
    return KeyPolicy.parse(read(loader, location, "envelope.policy"), location);
  }

  static LocalConfig localConfig(ResourceLoader loader, String location) {
    if (location == null || location.isBlank()) {
      return LocalConfig.empty();
    }
    return LocalConfig.parse(read(loader, location, "envelope.local-config"), location);
  }

  private static String read(ResourceLoader loader, String location, String property) {
    Resource resource = loader.getResource(location);
    if (!resource.exists()) {
      throw new InvalidPolicyException(
          location,
          property,
          "no document at "
              + location
              + "; set "
              + property
              + " to its location, e.g. file:/etc/envelope/"
              + (property.endsWith("policy") ? "policy.yaml" : "local.yaml")
              + " (a mounted ConfigMap) or classpath:envelope/…");
    }
    try (InputStream in = resource.getInputStream()) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new InvalidPolicyException(location, property, "larger than " + MAX_BYTES + " bytes");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidPolicyException(
          location, property, "cannot be read: " + e.getClass().getSimpleName(), e);
    }
  }
}
