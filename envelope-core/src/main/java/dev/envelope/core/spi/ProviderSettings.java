package dev.envelope.core.spi;

import dev.envelope.core.InvalidPolicyException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider's settings from this cluster's local config ({@code providers.<scheme>}): identity,
 * endpoints, directories, never key material. Values are strings; a provider validates the keys it
 * understands with {@link #allowOnly} so a typo is an error that names the field.
 */
public final class ProviderSettings {
  /** The one name every provider gives the service endpoint override (VPC endpoint, tests). */
  public static final String ENDPOINT = "endpoint";

  /** Every provider's deadline for opening a connection. */
  public static final String CONNECT_TIMEOUT = "connectTimeout";

  /** Every provider's deadline for one attempt (one HTTP or gRPC request). */
  public static final String ATTEMPT_TIMEOUT = "attemptTimeout";

  /** Every provider's deadline for one call, its retries included. */
  public static final String CALL_TIMEOUT = "callTimeout";

  /** Every provider's attempts per call, the first included (1 = no retry). */
  public static final String MAX_ATTEMPTS = "maxAttempts";

  private static final Logger LOG = LoggerFactory.getLogger(ProviderSettings.class);

  private final String source;
  private final String scheme;
  private final String path;
  private final Map<String, String> values;

  /**
   * @param source where the settings came from, for error messages (a file name)
   * @param scheme the scheme they belong to
   * @param values the settings; copied
   */
  public ProviderSettings(@Nullable String source, String scheme, Map<String, String> values) {
    this(source, scheme, "providers." + scheme, values);
  }

  private ProviderSettings(
      @Nullable String source, String scheme, String path, Map<String, String> values) {
    this.source = source == null ? "local config" : source;
    this.scheme = scheme;
    this.path = path;
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  /**
   * Settings of another section of the local config than {@code providers}, e.g. {@code
   * policySource}: errors name {@code <section>.<key>}.
   */
  public static ProviderSettings section(
      @Nullable String source, String section, Map<String, String> values) {
    return new ProviderSettings(source, section, section, values);
  }

  /** No settings for {@code scheme}. */
  public static ProviderSettings empty(String scheme) {
    return new ProviderSettings("local config", scheme, Map.of());
  }

  /** The setting {@code key}, if present. */
  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /**
   * The setting {@code key} as an ISO-8601 duration ({@code PT5S}, {@code PT0.5S}), or {@code
   * fallback} if absent.
   *
   * @throws InvalidPolicyException if the value is not a positive duration of at most {@code max}
   */
  public Duration duration(String key, Duration fallback, Duration max) {
    String value = values.get(key);
    if (value == null) {
      return fallback;
    }
    Duration parsed;
    try {
      parsed = Duration.parse(value);
    } catch (DateTimeParseException e) {
      throw invalid(key, "not an ISO-8601 duration such as PT5S: '" + value + "'");
    }
    if (parsed.isNegative() || parsed.isZero() || parsed.compareTo(max) > 0) {
      throw invalid(key, "must be positive and at most " + max + ", got " + value);
    }
    return parsed;
  }

  /**
   * The setting {@code key} as a decimal integer in {@code [min, max]}, or {@code fallback} if
   * absent.
   *
   * @throws InvalidPolicyException if the value is not an integer in range
   */
  public int integer(String key, int fallback, int min, int max) {
    String value = values.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below with the range
    }
    throw invalid(key, "must be an integer from " + min + " to " + max + ", got '" + value + "'");
  }

  /**
   * The setting {@code key} as a boolean ({@code true}/{@code false}), or {@code fallback} if
   * absent.
   *
   * @throws InvalidPolicyException if the value is neither
   */
  public boolean bool(String key, boolean fallback) {
    String value = values.get(key);
    if (value == null) {
      return fallback;
    }
    if (value.equals("true") || value.equals("false")) {
      return Boolean.parseBoolean(value);
    }
    throw invalid(key, "must be true or false, got '" + value + "'");
  }

  /** An error naming {@code providers.<scheme>.<key>} (or the section's key) in the source. */
  public InvalidPolicyException invalid(String key, String problem) {
    return new InvalidPolicyException(source, path + "." + key, problem);
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
   * These settings with the deprecated key {@code oldKey} read as {@code newKey}: documented names
   * keep working, with a warning that names the replacement.
   *
   * @throws InvalidPolicyException if both keys are given
   */
  public ProviderSettings renamed(String oldKey, String newKey) {
    if (!values.containsKey(oldKey)) {
      return this;
    }
    if (values.containsKey(newKey)) {
      throw invalid(oldKey, "is the old name of " + newKey + "; give only " + newKey);
    }
    LOG.warn(
        "{}: providers.{}.{} is deprecated; call it {} (the same name in every provider)",
        source,
        scheme,
        oldKey,
        newKey);
    Map<String, String> moved = new HashMap<>(values);
    moved.put(newKey, moved.remove(oldKey));
    return new ProviderSettings(source, scheme, path, moved);
  }

  /**
   * Fails if a setting other than {@code allowed} is present.
   *
   * @throws InvalidPolicyException naming the field and the allowed ones
   */
  public void allowOnly(Set<String> allowed) {
    for (String key : values.keySet()) {
      if (!allowed.contains(key)) {
        throw invalid(
            key, "unknown setting; allowed: " + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  /** Names the settings' keys only: values may be paths or identities a log need not show. */
  @Override
  public String toString() {
    return "ProviderSettings[" + scheme + ": " + values.keySet() + "]";
  }
}
