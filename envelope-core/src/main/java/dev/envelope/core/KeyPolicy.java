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
 * <p>Immutable and thread-safe. {@link #load(Path)} and {@link #parse(String, String)} validate the
 * whole document and throw {@link InvalidPolicyException} naming the file, the field and what is
 * allowed.
 */
public final class KeyPolicy {
  private final String source;
  private final Map<String, LogicalKey> keys;

  private KeyPolicy(String source, Map<String, LogicalKey> keys) {
    this.source = source;
    this.keys = Collections.unmodifiableMap(keys);
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
    doc.allowOnly(root, "", Set.of("version", "keys"));
    doc.requireVersion(root);
    JsonNode keysNode = doc.object(root.get("keys"), "keys");
    if (keysNode.isEmpty()) {
      throw new InvalidPolicyException(doc.source, "keys", "must name at least one logical key");
    }
    Map<String, LogicalKey> keys = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = keysNode.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = "keys." + e.getKey();
      if (!KeyIds.isValid(e.getKey())) {
        throw new InvalidPolicyException(
            doc.source, path, "invalid logical key id; use " + KeyIds.RULE);
      }
      keys.put(e.getKey(), LogicalKey.parse(doc, e.getKey(), doc.object(e.getValue(), path), path));
    }
    return new KeyPolicy(doc.source, keys);
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

  @Override
  public String toString() {
    return "KeyPolicy[" + source + ", keys=" + keys.keySet() + "]";
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

    /** The policy. */
    public KeyPolicy build() {
      if (keys.isEmpty()) {
        throw new InvalidPolicyException(source, "keys", "must name at least one logical key");
      }
      return new KeyPolicy(source, new LinkedHashMap<>(keys));
    }
  }
}
