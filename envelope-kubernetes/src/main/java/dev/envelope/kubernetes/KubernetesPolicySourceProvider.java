package dev.envelope.kubernetes;

import dev.envelope.core.PolicySource;
import dev.envelope.core.spi.PolicySourceProvider;
import dev.envelope.core.spi.ProviderSettings;
import java.util.Set;

/**
 * {@code policySource: {kind: kubernetes, namespace: NS, name: NAME}} in the local config: the
 * {@link KubernetesPolicySource} of that resource, in the pod's namespace if none is given.
 */
public final class KubernetesPolicySourceProvider implements PolicySourceProvider {
  /** Found by ServiceLoader, which needs a public no-argument constructor. */
  public KubernetesPolicySourceProvider() {}

  @Override
  public String kind() {
    return "kubernetes";
  }

  @Override
  public PolicySource open(ProviderSettings settings) {
    settings.allowOnly(Set.of("kind", "namespace", "name"));
    String name =
        settings.get("name").orElseThrow(() -> settings.invalid("name", "missing: the resource"));
    return KubernetesPolicySource.inCluster(settings.get("namespace").orElse(null), name);
  }
}
