package dev.envelope.core.internal;

import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.format.KekUris;
import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.core.local.TinkKeysetKekProvider;
import dev.envelope.core.spi.KekProvider;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which provider serves each KEK URI scheme of a facade: the built-in ones, then those discovered
 * on the class path (if asked for), then those registered explicitly, each overriding the previous.
 * Also the one table of which module serves a scheme, for the "add this module" hint.
 */
public final class Providers {
  private static final Logger LOG = LoggerFactory.getLogger(Providers.class);

  /** Scheme → the Maven artifact that serves it (built-in schemes: envelope-core). */
  public static final Map<String, String> MODULES =
      Map.of(
          LocalKekProvider.SCHEME,
          "envelope-core",
          TinkKeysetKekProvider.SCHEME,
          "envelope-core",
          "pkcs11",
          "envelope-kms-pkcs11",
          "aws-kms",
          "envelope-kms-aws",
          "azure-kv",
          "envelope-kms-azure",
          "gcp-kms",
          "envelope-kms-gcp",
          "hpke",
          "envelope-kek-hpke");

  private Providers() {}

  /** The artifact of the module that serves {@code scheme}, if Envelope has one. */
  public static Optional<String> moduleFor(String scheme) {
    return Optional.ofNullable(MODULES.get(scheme));
  }

  /**
   * @param explicit registered with {@code Builder.provider}: two for one scheme are an error
   * @param discover also load the providers {@link ServiceLoader} finds
   * @param loader where discovery looks; null for the thread's context class loader
   * @throws IllegalStateException if two providers of the same kind claim one scheme
   */
  public static Map<String, KekProvider> assemble(
      List<KekProvider> explicit, boolean discover, ClassLoader loader) {
    Map<String, KekProvider> providers = new LinkedHashMap<>();
    for (KekProvider builtIn : List.of(new LocalKekProvider(), new TinkKeysetKekProvider())) {
      builtIn.schemes().forEach(s -> providers.put(s, builtIn));
    }
    if (discover) {
      providers.putAll(discovered(loader));
    }
    Map<String, KekProvider> chosen = new LinkedHashMap<>();
    for (KekProvider p : explicit) {
      claim(chosen, p, "registered");
    }
    providers.putAll(chosen);
    return providers;
  }

  private static Map<String, KekProvider> discovered(ClassLoader loader) {
    Map<String, KekProvider> found = new LinkedHashMap<>();
    ServiceLoader<KekProvider> services =
        loader == null
            ? ServiceLoader.load(KekProvider.class)
            : ServiceLoader.load(KekProvider.class, loader);
    Iterator<KekProvider> it = services.iterator();
    while (true) {
      KekProvider p;
      try {
        if (!it.hasNext()) {
          return found;
        }
        p = it.next();
      } catch (ServiceConfigurationError e) {
        // A jar lists a provider its class path cannot load: skip it, the others still work,
        // and a KEK of its scheme fails with "no provider for scheme" when used.
        LOG.warn("Skipping a KEK provider that cannot be loaded: {}", e.getMessage());
        continue;
      }
      claim(found, p, "discovered");
    }
  }

  private static void claim(Map<String, KekProvider> map, KekProvider p, String how) {
    for (String scheme : p.schemes()) {
      KekProvider previous = map.putIfAbsent(scheme, p);
      if (previous != null && previous.getClass() != p.getClass()) {
        throw new IllegalStateException(
            "two "
                + how
                + " KEK providers claim scheme '"
                + scheme
                + "': "
                + previous.getClass().getName()
                + " and "
                + p.getClass().getName());
      }
    }
  }

  /**
   * Lets each registered provider check the URIs of its scheme now (public key size, ARN shape…),
   * so a malformed policy fails at start-up rather than at the first message. URIs of schemes with
   * no provider here are left alone: another cluster may hold them.
   */
  public static void validate(KeyPolicy policy, Map<String, KekProvider> providers) {
    for (String id : policy.keyIds()) {
      LogicalKey key = policy.key(id).orElseThrow();
      List<String> all = key.allKeks();
      for (int i = 0; i < all.size(); i++) {
        String uri = all.get(i);
        KekProvider provider = providers.get(KekUris.scheme(uri));
        if (provider == null) {
          continue;
        }
        try {
          provider.validate(uri);
        } catch (InvalidPolicyException e) {
          // Name the policy and the field, as the parser does: the provider knows neither.
          int n = key.keks().size();
          String field =
              "keys." + id + (i < n ? ".keks[" + i + "]" : ".decryptOnly[" + (i - n) + "]");
          throw new InvalidPolicyException(policy.source(), field, e.getMessage(), e);
        }
      }
    }
  }
}
