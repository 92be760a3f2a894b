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
   * Checks the shape of a URI of this provider's schemes (syntax, key sizes) without opening
   * anything. Called for every KEK of the policy when an {@code Envelope} is built, so a malformed
   * policy fails at start-up. The default accepts everything and leaves checks to {@link #open}.
   *
   * @throws dev.envelope.core.InvalidPolicyException naming the URI and the problem
   */
  default void validate(String uri) {}

  /**
   * Opens the KEK named by {@code uri}. Called lazily, the first time a message needs this KEK, and
   * once per facade: it may read files, build clients, and make one metadata call to the KMS (key
   * type and state); it should not wrap or unwrap anything.
   *
   * @param uri a KEK URI from the key policy, whose scheme is one of {@link #schemes()}
   * @param settings this cluster's settings for the scheme, from the local config (may be empty)
   * @throws dev.envelope.core.KeyUnavailableException if the KEK cannot be opened here
   * @throws dev.envelope.core.InvalidPolicyException if the URI or the settings are malformed
   */
  Kek open(String uri, ProviderSettings settings);

  /**
   * Describes the KEK named by {@code uri} as seen from this cluster (identity, endpoint, key
   * state), for {@code envelope doctor}: it may call the service (STS {@code GetCallerIdentity}, a
   * metadata read) and works for a key that {@link #open} refuses, such as a disabled one, so that
   * the doctor can say why. Never throws: what it cannot learn goes to {@link
   * KekDescription#problems()}. Never includes a secret.
   *
   * @param settings this cluster's settings for the scheme, as for {@link #open}
   */
  default KekDescription describe(String uri, ProviderSettings settings) {
    return KekDescription.unknown(
        "the " + uri.split(":", 2)[0] + " provider does not describe its KEKs");
  }
}
