package dev.envelope.core.spi;

import java.util.Set;

/**
 * A plug-in that opens KEKs for the URI schemes it serves ({@code local}, {@code aws-kms}, ...).
 *
 * <p>Providers are registered on {@code Envelope.builder().provider(...)} or, when the application
 * opts in with {@code discoverProviders()}, found with {@link java.util.ServiceLoader} (register
 * the class in {@code META-INF/services/dev.envelope.core.spi.KekProvider}; it needs a public
 * no-argument constructor). Whichever way a provider is found, the core asks it only for KEK URIs
 * that the key policy names: a URI read from an envelope is never opened on its own.
 */
public interface KekProvider {
  /** The URI schemes this provider serves, lower case, without {@code ://}. */
  Set<String> schemes();

  /**
   * Opens the KEK named by {@code uri}. May read files or build clients, and should not call the
   * KMS (so that a policy with KEKs of other clusters does not cost calls it never needs).
   *
   * @param uri a KEK URI from the key policy, whose scheme is one of {@link #schemes()}
   * @param settings this cluster's settings for the scheme, from the local config (may be empty)
   * @throws dev.envelope.core.KeyUnavailableException if the KEK cannot be opened here
   * @throws dev.envelope.core.InvalidPolicyException if the URI or the settings are malformed
   */
  Kek open(String uri, ProviderSettings settings);
}
