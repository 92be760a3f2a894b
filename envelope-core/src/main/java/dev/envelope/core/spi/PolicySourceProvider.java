package dev.envelope.core.spi;

import dev.envelope.core.PolicySource;

/**
 * Makes a {@link PolicySource} of one kind from the local config's {@code policySource} section,
 * e.g. {@code kind: kubernetes} from the {@code envelope-kubernetes} module. Found through {@link
 * java.util.ServiceLoader} only when a local config names its kind: a jar on the class path can
 * never replace the policy of a facade that did not ask for that kind.
 */
public interface PolicySourceProvider {
  /** The {@code kind} this provider serves, e.g. {@code kubernetes}. */
  String kind();

  /**
   * The source described by {@code settings} (the section's entries besides {@code kind}).
   *
   * @throws dev.envelope.core.InvalidPolicyException if a setting is missing or malformed
   */
  PolicySource open(ProviderSettings settings);
}
