package dev.envelope.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.core.format.KeyIds;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The shared key policy: which physical KEKs stand behind each logical key. The same file is
 * deployed to every cluster (from Git, as a ConfigMap); each cluster uses whichever of the KEKs it
 * can reach.
 *
 * <pre>{@code
 * version: 1
 * keys:
 *   payments:
 *     keks:                 # every new data key is wrapped under each of these
 *       - aws-kms://arn:aws:kms:eu-west-2:111122223333:key/1234abcd-...
 *       - local://payments-dev
 *     decryptOnly:          # retiring KEKs: still unwrap, never wrap
 *       - local://payments-old
 *     minWrap: 1            # how many wraps must succeed (default: all of keks)
 *     dataKeyCache: { maxAge: PT5M, maxMessages: 1000000, maxBytes: 64GiB }   # the defaults
 * }</pre>
 *
 * <p>The same document may also be a Kubernetes manifest, the {@code KeyPolicy} custom resource of
 * {@code deploy/crds/}: {@code apiVersion: envelope.dev/v1alpha1}, {@code kind: KeyPolicy}, {@code
 * metadata.name}, and the document above (its {@code version} optional) under {@code spec}.
 *
 * <p>Immutable and thread-safe. {@link #load(Path)} and {@link #parse(String, String)} validate the
 * whole document and throw {@link InvalidPolicyException} naming the file, the field and what is
 * allowed.
 */
public final class KeyPolicy {
  /** The {@code apiVersion} of the manifest form. */
  public static final String API_VERSION = "envelope.dev/v1alpha1";

  /** Most logical keys in one policy. */
  public static final int MAX_KEYS = 1000;

  /** The {@code kind} of the manifest form. */
  public static final String KIND = "KeyPolicy";

  private static final Pattern RESOURCE_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private final String source;
  private final @Nullable String name;
  private final Map<String, LogicalKey> keys;
  private final String digest;

  private KeyPolicy(String source, @Nullable String name, Map<String, LogicalKey> keys) {
    this.source = source;
    this.name = name;
    this.keys = Collections.unmodifiableMap(keys);
    this.digest = PolicyDigest.of(this.keys.values());
  }

  /** Reads and validates a policy file (YAML or JSON, at most 1 MiB). */
  public static KeyPolicy load(Path path) {
    return parse(PolicyDocument.readFile(path), path.toString());
  }

  /**
   * Parses and validates a policy.
   *
   * @param text the YAML or JSON document
   * @param source a name for error messages, e.g. the file or resource it came from
   */
  public static KeyPolicy parse(String text, @Nullable String source) {
    PolicyDocument doc = PolicyDocument.of(source == null ? "key policy" : source);
    JsonNode root = doc.parse(text);
    if (root.has("apiVersion") || root.has("kind")) {
      return fromManifest(doc, root);
    }
    doc.allowOnly(root, "", Set.of("version", "keys"));
    doc.requireVersion(root);
    return new KeyPolicy(doc.source, null, keys(doc, root, ""));
  }

  /**
   * The manifest form: a {@code KeyPolicy} custom resource ({@code deploy/crds/}) whose {@code
   * spec} is the plain document. {@code spec.version} may be left out (the {@code apiVersion}
   * versions the resource); {@code metadata} and {@code status} are the API server's and not
   * checked beyond the name.
   */
  private static KeyPolicy fromManifest(PolicyDocument doc, JsonNode root) {
    doc.allowOnly(root, "", Set.of("apiVersion", "kind", "metadata", "spec", "status"));
    JsonNode apiVersion = root.get("apiVersion");
    if (apiVersion == null || !API_VERSION.equals(apiVersion.asText())) {
      throw new InvalidPolicyException(
          doc.source, "apiVersion", "must be " + API_VERSION + ", found " + apiVersion);
    }
    JsonNode kind = root.get("kind");
    if (kind == null || !KIND.equals(kind.asText())) {
      throw new InvalidPolicyException(doc.source, "kind", "must be " + KIND + ", found " + kind);
    }
    JsonNode metadata = doc.object(root.get("metadata"), "metadata");
    JsonNode name = metadata.get("name");
    if (name == null
        || !name.isTextual()
        || name.textValue().length() > 253
        || !RESOURCE_NAME.matcher(name.textValue()).matches()) {
      throw new InvalidPolicyException(
          doc.source,
          "metadata.name",
          "must be a Kubernetes resource name (lower-case letters, digits, '-' and '.', at most"
              + " 253 characters)");
    }
    JsonNode spec = doc.object(root.get("spec"), "spec");
    doc.allowOnly(spec, "spec", Set.of("version", "keys"));
    if (spec.has("version")) {
      doc.requireVersion(spec, "spec.version");
    }
    return new KeyPolicy(doc.source, name.textValue(), keys(doc, spec, "spec."));
  }

  private static Map<String, LogicalKey> keys(PolicyDocument doc, JsonNode parent, String prefix) {
    JsonNode keysNode = doc.object(parent.get("keys"), prefix + "keys");
    if (keysNode.isEmpty()) {
      throw new InvalidPolicyException(
          doc.source, prefix + "keys", "must name at least one logical key");
    }
    if (keysNode.size() > MAX_KEYS) {
      throw new InvalidPolicyException(
          doc.source, prefix + "keys", "at most " + MAX_KEYS + " logical keys");
    }
    Map<String, LogicalKey> keys = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = keysNode.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = prefix + "keys." + e.getKey();
      if (!KeyIds.isValid(e.getKey())) {
        throw new InvalidPolicyException(
            doc.source, path, "invalid logical key id; use " + KeyIds.RULE);
      }
      keys.put(e.getKey(), LogicalKey.parse(doc, e.getKey(), doc.object(e.getValue(), path), path));
    }
    return keys;
  }

  /** Starts a policy in code, for tests and programmatic set-ups. */
  public static Builder builder() {
    return new Builder();
  }

  /** The logical key {@code id}, if the policy names it. */
  public Optional<LogicalKey> key(@Nullable String id) {
    return Optional.ofNullable(id == null ? null : keys.get(id));
  }

  /** The logical key ids, in document order. */
  public Set<String> keyIds() {
    return keys.keySet();
  }

  /** Where the policy was read from. */
  public String source() {
    return source;
  }

  /** The manifest's {@code metadata.name}; empty for the plain form and policies built in code. */
  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  /**
   * A digest of what the policy says, {@code sha256:} and 64 hex digits: the logical keys, sorted
   * by id, with their KEK lists in order, {@code minWrap} and cache limits. It ignores the form
   * (plain or manifest), the name, comments, spacing and the order of the logical keys, so two
   * clusters run the same policy exactly when their digests are equal.
   */
  public String digest() {
    return digest;
  }

  /** Equal when the {@link #digest()}s are: the same logical keys with the same settings. */
  @Override
  public boolean equals(Object o) {
    return o instanceof KeyPolicy other && digest.equals(other.digest);
  }

  @Override
  public int hashCode() {
    return digest.hashCode();
  }

  @Override
  public String toString() {
    return "KeyPolicy[" + source + ", keys=" + keys.keySet() + ", " + digest + "]";
  }

  /** Builds a {@link KeyPolicy} in code; validated as a parsed one is. */
  public static final class Builder {
    private final Map<String, LogicalKey> keys = new LinkedHashMap<>();
    private String source = "key policy (built in code)";

    private Builder() {}

    /** Names the policy in error messages. */
    public Builder source(String source) {
      this.source = source;
      return this;
    }

    /**
     * Adds a logical key that wraps under {@code keks} (all must succeed) and can also unwrap with
     * {@code decryptOnly}.
     */
    public Builder key(String id, java.util.List<String> keks, java.util.List<String> decryptOnly) {
      return key(id, keks, decryptOnly, keks.size());
    }

    /** As {@link #key(String, java.util.List, java.util.List)}, with a {@code minWrap}. */
    public Builder key(
        String id, java.util.List<String> keks, java.util.List<String> decryptOnly, int minWrap) {
      return key(id, keks, decryptOnly, minWrap, DataKeyCacheLimits.DEFAULTS);
    }

    /** As {@link #key(String, java.util.List, java.util.List, int)}, with data key cache limits. */
    public Builder key(
        String id,
        java.util.List<String> keks,
        java.util.List<String> decryptOnly,
        int minWrap,
        DataKeyCacheLimits dataKeyCache) {
      String path = "keys." + id;
      if (!KeyIds.isValid(id)) {
        throw new InvalidPolicyException(
            source, path, "invalid logical key id; use " + KeyIds.RULE);
      }
      keys.put(
          id,
          LogicalKey.of(
              PolicyDocument.of(source), id, keks, decryptOnly, minWrap, dataKeyCache, path));
      return this;
    }

    /**
     * Requires the KEKs of the logical key {@code id}, added before, to rotate at least every
     * {@code period} (the policy's {@code rotationPeriod}).
     */
    public Builder rotationPeriod(String id, java.time.Duration period) {
      LogicalKey key = keys.get(id);
      if (key == null) {
        throw new IllegalArgumentException("add the logical key '" + id + "' first");
      }
      keys.put(id, key.withRotationPeriod(period));
      return this;
    }

    /** The policy. */
    public KeyPolicy build() {
      if (keys.isEmpty() || keys.size() > MAX_KEYS) {
        throw new InvalidPolicyException(
            source, "keys", "must name between 1 and " + MAX_KEYS + " logical keys");
      }
      return new KeyPolicy(source, null, new LinkedHashMap<>(keys));
    }
  }
}
