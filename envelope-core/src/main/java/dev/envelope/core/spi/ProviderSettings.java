package dev.envelope.core.spi;

import dev.envelope.core.InvalidPolicyException;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A provider's settings from this cluster's local config ({@code providers.<scheme>}): identity,
 * endpoints, directories, never key material. Values are strings; a provider validates the keys it
 * understands with {@link #allowOnly} so a typo is an error that names the field.
 */
public final class ProviderSettings {
  private final String source;
  private final String scheme;
  private final Map<String, String> values;

  /**
   * @param source where the settings came from, for error messages (a file name)
   * @param scheme the scheme they belong to
   * @param values the settings; copied
   */
  public ProviderSettings(String source, String scheme, Map<String, String> values) {
    this.source = source == null ? "local config" : source;
    this.scheme = scheme;
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  /** No settings for {@code scheme}. */
  public static ProviderSettings empty(String scheme) {
    return new ProviderSettings("local config", scheme, Map.of());
  }

  /** The setting {@code key}, if present. */
  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** All settings, sorted by key. */
  public Map<String, String> asMap() {
    return values;
  }

  /** The file or resource the settings were read from. */
  public String source() {
    return source;
  }

  /**
   * Fails if a setting other than {@code allowed} is present.
   *
   * @throws InvalidPolicyException naming the field and the allowed ones
   */
  public void allowOnly(Set<String> allowed) {
    for (String key : values.keySet()) {
      if (!allowed.contains(key)) {
        throw new InvalidPolicyException(
            source,
            "providers." + scheme + "." + key,
            "unknown setting; allowed: " + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  /** Names the settings' keys only: values may be paths or identities a log need not show. */
  @Override
  public String toString() {
    return "ProviderSettings[" + scheme + ": " + values.keySet() + "]";
  }
}
