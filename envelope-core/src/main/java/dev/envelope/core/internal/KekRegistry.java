package dev.envelope.core.internal;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.KekCheck;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.format.Cobblestone;
import dev.envelope.core.format.KekUris;
import dev.envelope.core.format.Randoms;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapContext;
import java.security.MessageDigest;
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
  private final ConcurrentHashMap<String, java.util.concurrent.CompletableFuture<Kek>> opening =
      new ConcurrentHashMap<>();

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
          "no KEK provider for scheme '"
              + scheme
              + "' is registered here; "
              + Providers.moduleFor(scheme)
                  .map(m -> "add the module " + m + " and register its provider")
                  .orElse("Envelope has no module for it; register a provider of your own")
              + " with Envelope.builder().provider(...) or discoverProviders()",
          false);
    }
    // Opening may call the KMS (DescribeKey, a public key): never inside a map lock, which would
    // block every other KEK in the same bin and pin a virtual thread's carrier. One caller opens,
    // the others wait on its future; a failed open is forgotten so a later call tries again.
    java.util.concurrent.CompletableFuture<Kek> mine =
        new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<Kek> theirs = opening.putIfAbsent(uri, mine);
    if (theirs != null) {
      try {
        return theirs.join();
      } catch (java.util.concurrent.CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    try {
      Kek opened = provider.open(uri, config.settings(scheme));
      if (opened == null || !uri.equals(opened.uri())) {
        throw new KeyUnavailableException(
            "the provider for '" + scheme + "' returned no KEK or one for another URI", false);
      }
      LOG.debug("Opened KEK {} ({})", uri, opened.algorithm().name());
      open.put(uri, opened);
      mine.complete(opened);
      return opened;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      opening.remove(uri, mine);
    }
  }

  /**
   * Checks one KEK from this cluster: wraps a throwaway random data key under {@code key}'s wrap
   * context and unwraps it again. Real KMS calls: a health check caches the result.
   */
  KekCheck check(LogicalKey key, String uri, KekCalls calls) {
    WrapContext context = new WrapContext(key.id());
    byte[] random = new byte[Cobblestone.KEY_BYTES];
    Randoms.key(random);
    SecretBytes probe = SecretBytes.adopt(random);
    try {
      Kek kek;
      byte[] wrapped;
      try {
        kek = kek(uri);
        Kek opened = kek;
        wrapped =
            calls.probe(
                dev.envelope.core.EnvelopeObserver.KekOperation.WRAP,
                context,
                opened,
                () -> opened.wrap(probe, context));
      } catch (RuntimeException e) {
        return new KekCheck(uri, false, false, describe(e));
      }
      try {
        Kek opened = kek;
        byte[] sealed = wrapped;
        SecretBytes back =
            calls.probe(
                dev.envelope.core.EnvelopeObserver.KekOperation.UNWRAP,
                context,
                opened,
                () -> opened.unwrap(sealed, context));
        boolean same = MessageDigest.isEqual(back.toByteArray(), probe.toByteArray());
        back.destroy();
        return same
            ? new KekCheck(uri, true, true, null)
            : new KekCheck(uri, true, false, "the unwrapped key differs from the wrapped one");
      } catch (RuntimeException e) {
        return new KekCheck(uri, true, false, describe(e));
      }
    } finally {
      probe.destroy();
    }
  }

  /** True if a provider serves the URI's scheme here. */
  boolean hasProvider(String uri) {
    return providers.containsKey(KekUris.scheme(uri));
  }

  /** What the URI's provider says about it from this cluster; never throws. */
  dev.envelope.core.spi.KekDescription describe(String uri) {
    String scheme = KekUris.scheme(uri);
    KekProvider provider = providers.get(scheme);
    if (provider == null) {
      return dev.envelope.core.spi.KekDescription.unknown(
          "no KEK provider for scheme '" + scheme + "' is registered here");
    }
    try {
      dev.envelope.core.spi.KekDescription d = provider.describe(uri, config.settings(scheme));
      return d != null
          ? d
          : dev.envelope.core.spi.KekDescription.unknown("the provider said nothing");
    } catch (RuntimeException e) {
      return dev.envelope.core.spi.KekDescription.unknown("describing failed: " + describe(e));
    }
  }

  /** The KEK's rotation state, or unknown with why it could not be had. */
  dev.envelope.core.spi.KeyRotation rotation(String uri) {
    try {
      dev.envelope.core.spi.KeyRotation r = kek(uri).rotation();
      return r != null ? r : dev.envelope.core.spi.KeyRotation.unknown("the provider said nothing");
    } catch (RuntimeException e) {
      return dev.envelope.core.spi.KeyRotation.unknown(
          "the KEK cannot be used here: " + describe(e));
    }
  }

  private static String describe(RuntimeException e) {
    return e instanceof EnvelopeException
        ? e.getClass().getSimpleName() + ": " + e.getMessage()
        : "provider error " + e.getClass().getSimpleName();
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
