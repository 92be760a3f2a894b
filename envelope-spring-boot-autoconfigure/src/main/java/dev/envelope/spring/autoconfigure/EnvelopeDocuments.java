package dev.envelope.spring.autoconfigure;

import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.PolicySource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;

/** Reads the key policy and local config from Spring resource locations. */
final class EnvelopeDocuments {
  /** Policies and local configs are small; a larger "policy" is a mistake, not read whole. */
  private static final int MAX_BYTES = 1 << 20;

  private EnvelopeDocuments() {}

  static KeyPolicy policy(ResourceLoader loader, String location) {
    return KeyPolicy.parse(read(loader, location, "envelope.policy"), location);
  }

  /**
   * The policy file as a source: watched if it is a file and reload is on, else read once. A
   * missing or invalid file fails here, at start-up, with the policy's own message.
   */
  static PolicySource policySource(ResourceLoader loader, EnvelopeProperties properties) {
    String location = properties.policy();
    Resource resource = loader.getResource(location);
    // A classpath: resource may sit in a directory during tests, but is part of the build: not
    // watched. Only a file the deployment manages (a mounted ConfigMap) is.
    if (properties.reload().enabled()
        && !location.startsWith("classpath")
        && resource.exists()
        && resource.isFile()) {
      try {
        return PolicySource.file(resource.getFile().toPath(), properties.reload().interval());
      } catch (IOException e) {
        throw new InvalidPolicyException(
            location, "envelope.policy", "cannot be read: " + e.getClass().getSimpleName(), e);
      }
    }
    return PolicySource.fixed(policy(loader, location));
  }

  /** The KeyPolicy resource, through the envelope-kubernetes module if it is on the class path. */
  static PolicySource kubernetes(EnvelopeProperties.Kubernetes k8s, ClassLoader loader) {
    if (!ClassUtils.isPresent("dev.envelope.kubernetes.KubernetesPolicySource", loader)) {
      throw new InvalidPolicyException(
          "envelope.kubernetes.name",
          "",
          "is set, but the module envelope-kubernetes is not on the class path; add it");
    }
    return KubernetesSources.inCluster(k8s);
  }

  /** Touched only once the module is known to be present (an optional dependency). */
  private static final class KubernetesSources {
    static PolicySource inCluster(EnvelopeProperties.Kubernetes k8s) {
      return dev.envelope.kubernetes.KubernetesPolicySource.inCluster(k8s.namespace(), k8s.name());
    }
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
