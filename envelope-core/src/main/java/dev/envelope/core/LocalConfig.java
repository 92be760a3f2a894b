package dev.envelope.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.core.format.KekUris;
import dev.envelope.core.spi.ProviderSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * This cluster's half of the configuration: which recipients to try first when decrypting, and each
 * provider's settings (identity, endpoints, key directories). Never key material.
 *
 * <pre>{@code
 * version: 1
 * prefer: [aws-kms, local]        # schemes or full KEK URIs, tried first in this order
 * wrapTimeout: PT10S              # deadline for wrapping a new data key under all KEKs
 * decryptCache: { maxEntries: 1000, ttl: PT5M }   # unwrapped data keys kept (0 entries: off)
 * kekCircuit: { failures: 3, coolDown: PT30S, probeInterval: PT5S }   # skip a dead KMS; or: off
 * policySource:                   # optional: where the key policy is read and reloaded from
 *   kind: file                    # or: kind: kubernetes, namespace: …, name: … (envelope-kubernetes)
 *   path: /etc/envelope/policy/policy.yaml
 *   reloadInterval: PT10S         # 'off' reads it once
 * providers:
 *   local: { dir: /etc/envelope/keys }
 *   aws-kms: { credentials: web-identity }
 * }</pre>
 *
 * <p>Immutable and thread-safe. Validated on load; errors name the file and the field.
 */
public final class LocalConfig {
  /** Default {@link #wrapTimeout()}. */
  public static final Duration DEFAULT_WRAP_TIMEOUT = Duration.ofSeconds(10);

  /** Default {@link #decryptCacheEntries()}. */
  public static final int DEFAULT_DECRYPT_CACHE_ENTRIES = 1000;

  /** Default {@link #decryptCacheTtl()}. */
  public static final Duration DEFAULT_DECRYPT_CACHE_TTL = Duration.ofMinutes(5);

  private static final LocalConfig EMPTY =
      new LocalConfig(
          "local config (empty)",
          List.of(),
          Map.of(),
          DEFAULT_WRAP_TIMEOUT,
          DEFAULT_DECRYPT_CACHE_ENTRIES,
          DEFAULT_DECRYPT_CACHE_TTL,
          null,
          KekCircuit.DEFAULTS);

  /** The entry of {@code policySource} that says which kind of source it is. */
  public static final String POLICY_SOURCE_KIND = "kind";

  private final String source;
  private final List<String> prefer;
  private final Map<String, ProviderSettings> providers;
  private final Duration wrapTimeout;
  private final int decryptCacheEntries;
  private final Duration decryptCacheTtl;
  private final @Nullable ProviderSettings policySource;
  private final KekCircuit kekCircuit;

  private LocalConfig(
      String source,
      List<String> prefer,
      Map<String, ProviderSettings> providers,
      Duration wrapTimeout,
      int decryptCacheEntries,
      Duration decryptCacheTtl,
      @Nullable ProviderSettings policySource,
      KekCircuit kekCircuit) {
    this.source = source;
    this.kekCircuit = kekCircuit;
    this.policySource = policySource;
    this.prefer = List.copyOf(prefer);
    this.providers = Map.copyOf(providers);
    this.wrapTimeout = wrapTimeout;
    this.decryptCacheEntries = decryptCacheEntries;
    this.decryptCacheTtl = decryptCacheTtl;
  }

  /** No preference and no provider settings: every provider runs on its defaults. */
  public static LocalConfig empty() {
    return EMPTY;
  }

  /** Reads and validates a local config file (YAML or JSON). */
  public static LocalConfig load(Path path) {
    return parse(PolicyDocument.readFile(path), path.toString());
  }

  /** Parses and validates a local config; {@code source} names it in error messages. */
  public static LocalConfig parse(String text, @Nullable String source) {
    PolicyDocument doc = PolicyDocument.of(source == null ? "local config" : source);
    JsonNode root = doc.parse(text);
    doc.allowOnly(
        root,
        "",
        Set.of(
            "version",
            "prefer",
            "providers",
            "wrapTimeout",
            "decryptCache",
            "policySource",
            "kekCircuit"));
    doc.requireVersion(root);
    List<String> prefer = doc.stringList(root.get("prefer"), "prefer");
    Map<String, ProviderSettings> providers = new LinkedHashMap<>();
    JsonNode providersNode = root.get("providers");
    if (providersNode != null && !providersNode.isNull()) {
      doc.object(providersNode, "providers");
      Iterator<Map.Entry<String, JsonNode>> it = providersNode.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String path = "providers." + e.getKey();
        Map<String, String> values = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> settings = doc.object(e.getValue(), path).fields();
        while (settings.hasNext()) {
          Map.Entry<String, String> s = doc.scalar(settings.next(), path);
          values.put(s.getKey(), s.getValue());
        }
        providers.put(e.getKey(), new ProviderSettings(doc.source, e.getKey(), values));
      }
    }
    Duration wrapTimeout =
        root.has("wrapTimeout")
            ? positiveDuration(doc, root.get("wrapTimeout"), "wrapTimeout")
            : DEFAULT_WRAP_TIMEOUT;
    int entries = DEFAULT_DECRYPT_CACHE_ENTRIES;
    Duration ttl = DEFAULT_DECRYPT_CACHE_TTL;
    JsonNode cache = root.get("decryptCache");
    if (cache != null && !cache.isNull()) {
      doc.object(cache, "decryptCache");
      doc.allowOnly(cache, "decryptCache", Set.of("maxEntries", "ttl"));
      if (cache.has("maxEntries")) {
        JsonNode n = cache.get("maxEntries");
        if (!n.isInt() || n.intValue() < 0 || n.intValue() > 1_000_000) {
          throw new InvalidPolicyException(
              doc.source,
              "decryptCache.maxEntries",
              "must be a whole number in 0..1000000 (0 turns the cache off)");
        }
        entries = n.intValue();
      }
      if (cache.has("ttl")) {
        ttl = positiveDuration(doc, cache.get("ttl"), "decryptCache.ttl");
      }
    }
    ProviderSettings policySource = null;
    JsonNode sourceNode = root.get("policySource");
    if (sourceNode != null && !sourceNode.isNull()) {
      Map<String, String> values = new LinkedHashMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = doc.object(sourceNode, "policySource").fields();
      while (it.hasNext()) {
        Map.Entry<String, String> s = doc.scalar(it.next(), "policySource");
        values.put(s.getKey(), s.getValue());
      }
      if (!values.containsKey(POLICY_SOURCE_KIND)) {
        throw new InvalidPolicyException(
            doc.source, "policySource.kind", "missing; write 'kind: file' or 'kind: kubernetes'");
      }
      policySource = ProviderSettings.section(doc.source, "policySource", values);
    }
    return new LocalConfig(
        doc.source,
        prefer,
        providers,
        wrapTimeout,
        entries,
        ttl,
        policySource,
        kekCircuit(doc, root.get("kekCircuit")));
  }

  private static KekCircuit kekCircuit(PolicyDocument doc, @Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return KekCircuit.DEFAULTS;
    }
    // `off` is a YAML 1.1 boolean for some parsers and a string for others: take both.
    if ((node.isTextual() && node.asText().equals("off"))
        || (node.isBoolean() && !node.booleanValue())) {
      return KekCircuit.OFF;
    }
    doc.object(node, "kekCircuit");
    doc.allowOnly(node, "kekCircuit", Set.of("failures", "coolDown", "probeInterval"));
    int failures = KekCircuit.DEFAULTS.failures();
    if (node.has("failures")) {
      JsonNode n = node.get("failures");
      if (!n.isInt() || n.intValue() < 1 || n.intValue() > 100) {
        throw new InvalidPolicyException(
            doc.source, "kekCircuit.failures", "must be a whole number in 1..100");
      }
      failures = n.intValue();
    }
    Duration coolDown =
        node.has("coolDown")
            ? positiveDuration(doc, node.get("coolDown"), "kekCircuit.coolDown")
            : KekCircuit.DEFAULTS.coolDown();
    Duration probe =
        node.has("probeInterval")
            ? positiveDuration(doc, node.get("probeInterval"), "kekCircuit.probeInterval")
            : KekCircuit.DEFAULTS.probeInterval();
    return new KekCircuit(true, failures, coolDown, probe);
  }

  private static Duration positiveDuration(PolicyDocument doc, JsonNode node, String path) {
    try {
      Duration d = Duration.parse(node.asText());
      if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(1)) > 0) {
        throw new InvalidPolicyException(doc.source, path, "must be positive and at most P1D");
      }
      return d;
    } catch (java.time.format.DateTimeParseException e) {
      throw new InvalidPolicyException(
          doc.source, path, "not an ISO-8601 duration such as PT10S or PT5M: " + node.asText());
    }
  }

  /** Starts a local config in code. */
  public static Builder builder() {
    return new Builder();
  }

  /** Schemes or KEK URIs to try first when decrypting, most preferred first. */
  public List<String> prefer() {
    return prefer;
  }

  /** The settings of {@code scheme}; empty settings if the config has none. */
  public ProviderSettings settings(String scheme) {
    ProviderSettings s = providers.get(scheme);
    return s != null ? s : new ProviderSettings(source, scheme, Map.of());
  }

  /** Circuit breaking per KEK ({@link KekCircuit}). */
  public KekCircuit kekCircuit() {
    return kekCircuit;
  }

  /** How long all KEKs of a logical key may take to wrap a new data key. */
  public Duration wrapTimeout() {
    return wrapTimeout;
  }

  /** Most unwrapped data keys kept for decryption; 0 turns the decrypt cache off. */
  public int decryptCacheEntries() {
    return decryptCacheEntries;
  }

  /** How long an unwrapped data key is kept after it was unwrapped. */
  public Duration decryptCacheTtl() {
    return decryptCacheTtl;
  }

  /**
   * Where this cluster reads the key policy from, if the config says ({@code policySource}, with
   * its {@code kind}); {@link PolicySource#configured(LocalConfig)} opens it.
   */
  public java.util.Optional<ProviderSettings> policySource() {
    return java.util.Optional.ofNullable(policySource);
  }

  /** Where the config was read from. */
  public String source() {
    return source;
  }

  /**
   * Rank of a KEK URI in this cluster's preference order ({@code prefer}): lower is tried first.
   */
  public int rank(String kekUri) {
    String scheme = KekUris.scheme(kekUri);
    for (int i = 0; i < prefer.size(); i++) {
      String p = prefer.get(i);
      if (p.equals(kekUri) || p.equals(scheme)) {
        return i;
      }
    }
    return prefer.size();
  }

  @Override
  public String toString() {
    return "LocalConfig["
        + source
        + ", prefer="
        + prefer
        + ", providers="
        + providers.keySet()
        + "]";
  }

  /** Builds a {@link LocalConfig} in code. */
  public static final class Builder {
    private final List<String> prefer = new ArrayList<>();
    private final Map<String, ProviderSettings> providers = new LinkedHashMap<>();
    private Duration wrapTimeout = DEFAULT_WRAP_TIMEOUT;
    private int decryptCacheEntries = DEFAULT_DECRYPT_CACHE_ENTRIES;
    private Duration decryptCacheTtl = DEFAULT_DECRYPT_CACHE_TTL;
    private KekCircuit kekCircuit = KekCircuit.DEFAULTS;

    private Builder() {}

    /** Circuit breaking per KEK (default {@link KekCircuit#DEFAULTS}; {@link KekCircuit#OFF}). */
    public Builder kekCircuit(KekCircuit circuit) {
      this.kekCircuit = java.util.Objects.requireNonNull(circuit);
      return this;
    }

    /** Deadline for wrapping under all KEKs (default 10 s). */
    public Builder wrapTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("wrapTimeout must be positive");
      }
      this.wrapTimeout = timeout;
      return this;
    }

    /** Decrypt cache size (0: off) and time to live (defaults 1000, 5 minutes). */
    public Builder decryptCache(int maxEntries, Duration ttl) {
      if (maxEntries < 0 || ttl == null || ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("decryptCache needs maxEntries ≥ 0 and a positive ttl");
      }
      this.decryptCacheEntries = maxEntries;
      this.decryptCacheTtl = ttl;
      return this;
    }

    /** Appends schemes or KEK URIs to the preference order. */
    public Builder prefer(String... schemesOrUris) {
      prefer.addAll(List.of(schemesOrUris));
      return this;
    }

    /** Sets a provider's settings. */
    public Builder provider(String scheme, Map<String, String> settings) {
      providers.put(scheme, new ProviderSettings("local config (built in code)", scheme, settings));
      return this;
    }

    /** The config. */
    public LocalConfig build() {
      return new LocalConfig(
          "local config (built in code)",
          prefer,
          providers,
          wrapTimeout,
          decryptCacheEntries,
          decryptCacheTtl,
          null,
          kekCircuit);
    }
  }
}
