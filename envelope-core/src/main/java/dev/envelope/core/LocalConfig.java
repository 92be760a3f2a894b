package dev.envelope.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.core.spi.ProviderSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This cluster's half of the configuration: which recipients to try first when decrypting, and
 * each provider's settings (identity, endpoints, key directories). Never key material.
 *
 * <pre>{@code
 * version: 1
 * prefer: [aws-kms, local]        # schemes or full KEK URIs, tried first in this order
 * providers:
 *   local: { dir: /etc/envelope/keys }
 *   aws-kms: { credentials: web-identity }
 * }</pre>
 *
 * <p>Immutable and thread-safe. Validated on load; errors name the file and the field.
 */
public final class LocalConfig {
  private static final LocalConfig EMPTY = new LocalConfig("local config (empty)", List.of(), Map.of());

  private final String source;
  private final List<String> prefer;
  private final Map<String, ProviderSettings> providers;

  private LocalConfig(String source, List<String> prefer, Map<String, ProviderSettings> providers) {
    this.source = source;
    this.prefer = List.copyOf(prefer);
    this.providers = Map.copyOf(providers);
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
  public static LocalConfig parse(String text, String source) {
    PolicyDocument doc = PolicyDocument.of(source == null ? "local config" : source);
    JsonNode root = doc.parse(text);
    doc.allowOnly(root, "", Set.of("version", "prefer", "providers"));
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
    return new LocalConfig(doc.source, prefer, providers);
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

  /** Where the config was read from. */
  public String source() {
    return source;
  }

  /** Rank of a KEK URI in the preference order: lower is tried first. */
  int rank(String kekUri) {
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
    return "LocalConfig[" + source + ", prefer=" + prefer + ", providers=" + providers.keySet() + "]";
  }

  /** Builds a {@link LocalConfig} in code. */
  public static final class Builder {
    private final List<String> prefer = new ArrayList<>();
    private final Map<String, ProviderSettings> providers = new LinkedHashMap<>();

    private Builder() {}

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
      return new LocalConfig("local config (built in code)", prefer, providers);
    }
  }
}
