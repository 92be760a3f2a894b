package dev.envelope.core;

import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens each KEK once, lazily, with the provider of its scheme and this cluster's settings, and
 * keeps it for the facade's lifetime. Lazy, because a shared policy names KEKs of other clusters
 * that this one may never be able to open; a failed open is not remembered, so a key file mounted
 * later is picked up.
 */
final class KekRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KekRegistry.class);

  private final Map<String, KekProvider> providers;
  private final LocalConfig config;
  private final ConcurrentHashMap<String, Kek> open = new ConcurrentHashMap<>();

  KekRegistry(Map<String, KekProvider> providers, LocalConfig config) {
    this.providers = Map.copyOf(providers);
    this.config = config;
  }

  /**
   * The KEK for a policy URI.
   *
   * @throws KeyUnavailableException if no provider serves its scheme or it cannot be opened
   */
  Kek kek(String uri) {
    Kek kek = open.get(uri);
    if (kek != null) {
      return kek;
    }
    String scheme = KekUris.scheme(uri);
    KekProvider provider = providers.get(scheme);
    if (provider == null) {
      throw new KeyUnavailableException(
          "no KEK provider for scheme '" + scheme + "' is registered here; add its module (e.g."
              + " envelope-kms-" + scheme.replace("-kms", "").replace("-kv", "") + ") and register it"
              + " with Envelope.builder().provider(...) or discoverProviders()",
          false);
    }
    return open.computeIfAbsent(uri, u -> {
      Kek opened = provider.open(u, config.settings(scheme));
      if (opened == null || !u.equals(opened.uri())) {
        throw new KeyUnavailableException(
            "the provider for '" + scheme + "' returned no KEK or one for another URI", false);
      }
      LOG.debug("Opened KEK {} ({})", u, opened.algorithm().name());
      return opened;
    });
  }

  @Override
  public void close() {
    for (Kek kek : open.values()) {
      try {
        kek.close();
      } catch (Exception e) {
        LOG.warn("Closing KEK {} failed: {}", kek.uri(), e.getClass().getSimpleName());
      }
    }
    open.clear();
  }
}
