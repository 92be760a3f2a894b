package dev.envelope.core.spi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a provider can tell about one KEK from this cluster, for {@code envelope doctor} and the
 * Actuator endpoint: who it authenticates as, where it calls, and the key's state. Never holds a
 * secret: no token, key, PIN or password, only names, identifiers and states a KMS's own audit log
 * would show.
 *
 * @param identity the principal the KEK's calls are made as (a role ARN, a service account, a
 *     client id and tenant, a token label), or {@code "unknown"}
 * @param identitySource how that identity is obtained (IRSA web identity token file, EKS Pod
 *     Identity, workload identity federation, a key file)
 * @param identityConfirmed true if the service confirmed it just now (AWS STS {@code
 *     GetCallerIdentity}, a token issued by the identity provider, a login to the token); false if
 *     it is only what this cluster is configured with
 * @param endpoint the service endpoint called, or null where there is none (a local file)
 * @param region the service region or location, or null
 * @param keyState the key's state as the service reports it
 * @param keySpec the key's type as the service names it ({@code SYMMETRIC_DEFAULT}, {@code RSA-HSM
 *     3072}, {@code AES 256}), or null if unknown
 * @param details further non-secret facts, in display order (file permissions, slot, key version)
 * @param problems what could not be learned, and why (a typed error's message)
 */
public record KekDescription(
    String identity,
    String identitySource,
    boolean identityConfirmed,
    @Nullable String endpoint,
    @Nullable String region,
    KeyState keyState,
    @Nullable String keySpec,
    Map<String, String> details,
    List<String> problems) {

  /** A key's state, in the words every provider maps its own states to. */
  public enum KeyState {
    /** The key can be used. */
    ENABLED,
    /** The key exists but is disabled: calls with it fail until it is enabled again. */
    DISABLED,
    /** The key is scheduled for deletion (AWS PendingDeletion, Key Vault soft-deleted). */
    PENDING_DELETION,
    /** The key material is gone (Cloud KMS DESTROYED, a deleted file). */
    DESTROYED,
    /** The state could not be read (see {@link #problems()}). */
    UNKNOWN
  }

  public KekDescription {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(identitySource, "identitySource");
    Objects.requireNonNull(keyState, "keyState");
    details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details)); // keeps order
    problems = List.copyOf(problems);
  }

  /** This description as ordered name/value pairs; absent facts are left out. */
  public Map<String, Object> fields() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("identity", identity);
    m.put("identitySource", identitySource);
    m.put("identityConfirmed", identityConfirmed);
    if (endpoint != null) {
      m.put("endpoint", endpoint);
    }
    if (region != null) {
      m.put("region", region);
    }
    m.put("keyState", keyState.name());
    if (keySpec != null) {
      m.put("keySpec", keySpec);
    }
    if (!details.isEmpty()) {
      m.put("details", details);
    }
    if (!problems.isEmpty()) {
      m.put("problems", problems);
    }
    return m;
  }

  /** This description with {@code spec} as its {@link #keySpec()}. */
  public KekDescription withKeySpec(@Nullable String spec) {
    return new KekDescription(
        identity,
        identitySource,
        identityConfirmed,
        endpoint,
        region,
        keyState,
        spec,
        details,
        problems);
  }

  /** A description with nothing known but why. */
  public static KekDescription unknown(String problem) {
    return builder("unknown", "not reported").problem(problem).build();
  }

  /** Starts a description of a KEK that authenticates as {@code identity}. */
  public static Builder builder(String identity, String identitySource) {
    return new Builder(identity, identitySource);
  }

  /** Builds a {@link KekDescription}. */
  public static final class Builder {
    private final String identity;
    private final String identitySource;
    private boolean identityConfirmed;
    private String confirmedIdentity;
    private String endpoint;
    private String region;
    private KeyState keyState = KeyState.UNKNOWN;
    private String keySpec;
    private final List<Map.Entry<String, String>> details = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private Builder(String identity, String identitySource) {
      this.identity = identity;
      this.identitySource = identitySource;
    }

    /**
     * The service confirmed the identity; {@code principal}, if given, replaces the configured one.
     */
    public Builder confirmed(@Nullable String principal) {
      this.identityConfirmed = true;
      this.confirmedIdentity = principal;
      return this;
    }

    public Builder endpoint(@Nullable String endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    public Builder region(@Nullable String region) {
      this.region = region;
      return this;
    }

    public Builder keyState(KeyState state) {
      this.keyState = Objects.requireNonNull(state);
      return this;
    }

    public Builder keySpec(@Nullable String spec) {
      this.keySpec = spec;
      return this;
    }

    /** A further non-secret fact; shown in the order added. */
    public Builder detail(String name, @Nullable String value) {
      if (value != null) {
        details.add(Map.entry(name, value));
      }
      return this;
    }

    /** Something that could not be learned, and why. */
    public Builder problem(String problem) {
      problems.add(problem);
      return this;
    }

    public KekDescription build() {
      Map<String, String> ordered = new LinkedHashMap<>();
      details.forEach(e -> ordered.put(e.getKey(), e.getValue()));
      return new KekDescription(
          confirmedIdentity != null ? confirmedIdentity : identity,
          identitySource,
          identityConfirmed,
          endpoint,
          region,
          keyState,
          keySpec,
          ordered,
          problems);
    }
  }
}
