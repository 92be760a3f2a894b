package dev.envelope.core;

import dev.envelope.core.spi.PolicySourceProvider;
import dev.envelope.core.spi.ProviderSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where an {@link Envelope} reads its {@link KeyPolicy} from, and how it learns of each later
 * version without a restart: {@link #file(Path)} polls a file (a ConfigMap volume included), the
 * {@code envelope-kubernetes} module watches a {@code KeyPolicy} custom resource, and {@link
 * #fixed(KeyPolicy)} never changes.
 *
 * <pre>{@code
 * Envelope envelope = Envelope.builder()
 *     .policySource(PolicySource.file(Path.of("/etc/envelope/policy/policy.yaml")))
 *     .build();
 * envelope.policyStatus();   // digest, generation, last reload outcome
 * }</pre>
 *
 * <p>The facade calls {@link #load()} once when it is built (a failure fails the build), then
 * {@link #watch(Listener)} once, and {@link #close()} when it closes: it owns the source. A source
 * reports a version it cannot parse to {@link Listener#rejected}; the facade keeps the last good
 * policy in force. Implementations must be thread-safe.
 */
public interface PolicySource extends AutoCloseable {
  /** Default interval between two reads of a {@link #file(Path)} source. */
  Duration DEFAULT_FILE_INTERVAL = Duration.ofSeconds(10);

  /**
   * Reads the current policy.
   *
   * @throws InvalidPolicyException if it cannot be read or is not a valid policy
   */
  KeyPolicy load();

  /** Starts telling {@code listener} of every later version, until {@link #close()}. */
  void watch(Listener listener);

  /** What this source reads, for logs and health: e.g. {@code file /etc/envelope/policy.yaml}. */
  String description();

  /** Stops watching. Idempotent. */
  @Override
  void close();

  /** Told of each new version a {@link PolicySource} read. Called on the source's thread. */
  interface Listener {
    /** A new version, parsed and valid as a document (the facade still checks its providers). */
    void changed(KeyPolicy policy);

    /** A new version that is not a valid policy; the previous one stays in force. */
    void rejected(InvalidPolicyException failure);
  }

  /**
   * A policy file, read again every {@link #DEFAULT_FILE_INTERVAL}; see {@link #file(Path,
   * Duration)}.
   */
  static PolicySource file(Path path) {
    return file(path, DEFAULT_FILE_INTERVAL);
  }

  /**
   * A policy file (YAML or JSON, plain or manifest form), read again every {@code interval}. The
   * path is resolved anew on every read, so a Kubernetes ConfigMap volume — where the kubelet
   * publishes a new version by atomically re-pointing the {@code ..data} symlink — is seen whole,
   * old or new, never half. A version is reported only when the file's bytes changed since the last
   * read, so an invalid version is reported once, not on every read. Polling rather than file
   * events: events on a symlink swap differ between file systems and are lost on some volume types.
   *
   * @param interval between reads, at least 10 milliseconds
   */
  static PolicySource file(Path path, Duration interval) {
    if (path == null) {
      throw new IllegalArgumentException("path must not be null");
    }
    if (interval == null || interval.toMillis() < 10) {
      throw new IllegalArgumentException("interval must be at least 10 ms, got " + interval);
    }
    return new FilePolicySource(path, interval);
  }

  /**
   * The source a local config names in its {@code policySource} section, if it names one: {@code
   * kind: file} ({@code path}, {@code reloadInterval} default {@code PT10S} or {@code off}) is
   * built in; any other kind is opened by the {@link PolicySourceProvider} of that kind found on
   * the class path, e.g. {@code kind: kubernetes} from {@code envelope-kubernetes}.
   *
   * @throws InvalidPolicyException if the section is malformed or no provider serves its kind
   */
  static java.util.Optional<PolicySource> configured(LocalConfig config) {
    return config.policySource().map(PolicySource::open);
  }

  private static PolicySource open(ProviderSettings settings) {
    String kind = settings.get(LocalConfig.POLICY_SOURCE_KIND).orElseThrow();
    if (kind.equals("file")) {
      settings.allowOnly(
          java.util.Set.of(LocalConfig.POLICY_SOURCE_KIND, "path", "reloadInterval"));
      Path path =
          Path.of(
              settings
                  .get("path")
                  .orElseThrow(() -> settings.invalid("path", "missing: the policy file")));
      String interval = settings.get("reloadInterval").orElse(DEFAULT_FILE_INTERVAL.toString());
      if (interval.equals("off") || interval.equals("false")) { // YAML 1.1 reads off as false
        return fixed(KeyPolicy.load(path));
      }
      Duration every =
          settings.duration("reloadInterval", DEFAULT_FILE_INTERVAL, Duration.ofDays(1));
      if (every.toMillis() < 10) {
        throw settings.invalid("reloadInterval", "must be at least PT0.01S, or off");
      }
      return file(path, every);
    }
    for (PolicySourceProvider p : java.util.ServiceLoader.load(PolicySourceProvider.class)) {
      if (p.kind().equals(kind)) {
        return p.open(settings);
      }
    }
    throw settings.invalid(
        LocalConfig.POLICY_SOURCE_KIND,
        "no policy source of kind '"
            + kind
            + "' here: 'file' is built in"
            + (kind.equals("kubernetes") ? "; add the module envelope-kubernetes" : ""));
  }

  /** A policy that never changes: what {@link Envelope.Builder#policy(KeyPolicy)} uses. */
  static PolicySource fixed(KeyPolicy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    return new PolicySource() {
      @Override
      public KeyPolicy load() {
        return policy;
      }

      @Override
      public void watch(Listener listener) {}

      @Override
      public String description() {
        return policy.source();
      }

      @Override
      public void close() {}
    };
  }
}
