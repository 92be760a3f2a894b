package dev.envelope.core;

import dev.envelope.core.audit.AuditSink;
import dev.envelope.core.internal.AuditTrail;
import dev.envelope.core.internal.CachedHeader;
import dev.envelope.core.internal.Engine;
import dev.envelope.core.internal.Inspector;
import dev.envelope.core.internal.LivePolicy;
import dev.envelope.core.internal.PolicyKeys;
import dev.envelope.core.internal.Providers;
import dev.envelope.core.spi.KekProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Envelope encryption under a shared {@link KeyPolicy}: seals a message with a fresh AES-256 data
 * key, wraps that key under every KEK the policy lists for the logical key, and writes one portable
 * envelope ({@code docs/FORMAT.md}) that any cluster sharing the policy can open with any one of
 * those KEKs.
 *
 * <pre>{@code
 * try (Envelope envelope = Envelope.builder()
 *     .policy(KeyPolicy.load(Path.of("/etc/envelope/policy.yaml")))
 *     .localConfig(LocalConfig.load(Path.of("/etc/envelope/local.yaml")))
 *     .build()) {
 *   byte[] sealed = envelope.encrypt("payments", plaintext, Map.of("tenant", "acme"));
 *   byte[] opened = envelope.decrypt(sealed, Map.of("tenant", "acme"));
 * }
 * }</pre>
 *
 * <p><b>Context.</b> Every call takes a context map (use {@code Map.of()} for none). It is stored
 * in the envelope's header, authenticated with the body, and decrypt requires the caller to pass
 * the same map: a record of tenant A can't be served as tenant B's.
 *
 * <p><b>Which KEKs are used.</b> Encrypt wraps under the logical key's {@code keks}; decrypt tries
 * the envelope's recipients that the policy names for that logical key ({@code keks} and {@code
 * decryptOnly}), in the local config's preference order, and falls back to the next on failure. A
 * KEK named only by an envelope is never used.
 *
 * <p><b>Errors.</b> Every failure of the data or the keys is an unchecked {@link
 * EnvelopeException}: {@link MalformedEnvelopeException}, {@link AuthenticationException}, {@link
 * KeyUnavailableException}, {@link InvalidPolicyException}, and {@link EnvelopeClosedException} for
 * a call after {@link #close()} (or in flight when it closed and reaching what close released: such
 * a call either completes or fails with it). A null argument or a context beyond the limits is an
 * {@link IllegalArgumentException}; a failing caller-supplied stream an {@link
 * UncheckedIOException}. Nothing unauthenticated is ever returned.
 *
 * <p><b>Reload.</b> Built with a {@link PolicySource}, the facade replaces its policy when the
 * source reports a valid new version, without a restart: see {@link Builder#policySource} and
 * {@link #policyStatus()}.
 *
 * <p>Thread-safe: build one per application and share it. {@link #close()} zeroes the key material
 * of opened KEKs.
 */
public final class Envelope implements AutoCloseable {
  private final PolicySource source;
  private final LivePolicy live;
  private final EnvelopeLimits limits;
  private final EnvelopeObserver observer;
  private final Engine engine;
  private final AuditTrail audit;
  private volatile boolean closed;

  private Envelope(Builder b, PolicySource source, Map<String, KekProvider> providers) {
    KeyPolicy initial = source.load();
    Providers.validate(initial, providers);
    this.source = source;
    this.limits = b.limits;
    this.audit =
        b.auditSink == null
            ? AuditTrail.NONE
            : new AuditTrail(b.auditSink, b.auditMessages, b.auditClock);
    EnvelopeObserver guarded = new GuardedObserver(b.observer);
    EnvelopeObserver auditing = audit.enabled() ? new AuditingObserver(guarded, audit) : guarded;
    // The per-message path goes through the auditing layer only when messages are audited.
    this.observer = audit.messages() ? auditing : guarded;
    try {
      this.live = new LivePolicy(source, initial, providers, auditing, Clock.systemUTC());
      this.engine = new Engine(live, b.localConfig, limits, providers, guarded, audit);
    } catch (RuntimeException e) {
      audit.close();
      throw e;
    }
    source.watch(live);
  }

  /** Starts building an {@link Envelope}; a key policy is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Seals {@code plaintext} under the logical key {@code logicalKeyId}. Messages up to {@link
   * EnvelopeLimits#maxBufferedBodyBytes()} (16 MiB by default) get the A256GCM body, larger ones
   * Cobblestone-256. The data key is reused within the logical key's {@link DataKeyCacheLimits}.
   *
   * @param logicalKeyId a key of the policy, e.g. {@code payments}
   * @param plaintext the message, up to about 2 GiB (use {@link #encryptingStream} beyond)
   * @param context stored and authenticated; decrypt must pass the same map ({@code Map.of()} for
   *     none)
   * @return the envelope
   * @throws KeyUnavailableException if the policy lacks the key or fewer than {@code minWrap} KEKs
   *     could wrap a new data key
   * @throws IllegalArgumentException if an argument is null or the context exceeds the limits
   */
  public byte[] encrypt(String logicalKeyId, byte[] plaintext, Map<String, String> context) {
    long start = System.nanoTime();
    try {
      requireArgument(plaintext, "plaintext");
      byte[] sealed =
          guarded(
              () -> {
                LogicalKey key = PolicyKeys.require(live.current(), logicalKeyId);
                requireArgument(context, "context (pass Map.of() for none)");
                return engine.encryptor().encrypt(key, plaintext, context);
              });
      observer.operation(
          EnvelopeObserver.Operation.ENCRYPT,
          logicalKeyId,
          plaintext.length,
          System.nanoTime() - start,
          null);
      return sealed;
    } catch (EnvelopeException e) {
      observer.operation(
          EnvelopeObserver.Operation.ENCRYPT,
          logicalKeyId,
          plaintext.length,
          System.nanoTime() - start,
          e);
      throw e;
    }
  }

  /**
   * Returns a stream that seals what is written to it into {@code sink}, always with
   * Cobblestone-256. It holds one 16 KiB chunk in memory, whatever the size of the message; the
   * envelope is complete only after {@link OutputStream#close()}, which also closes {@code sink}.
   * The header is written before this method returns. The stream counts each chunk against the data
   * key's {@code maxBytes} as it seals it; see {@link DataKeyCacheLimits} for how far a stream may
   * take a data key past that limit. The stream owns its state: it may be written and closed by
   * another thread than the one that created it (one thread at a time).
   *
   * @throws KeyUnavailableException as {@link #encrypt}
   * @throws UncheckedIOException if writing the header to {@code sink} fails
   */
  public OutputStream encryptingStream(
      String logicalKeyId, OutputStream sink, Map<String, String> context) {
    requireArgument(sink, "sink");
    return guarded(
        () ->
            engine
                .encryptor()
                .encryptingStream(PolicyKeys.require(live.current(), logicalKeyId), sink, context));
  }

  /**
   * Opens an envelope sealed under a logical key of this policy.
   *
   * @param envelope the bytes {@link #encrypt} returned
   * @param context the context it was sealed with
   * @return the plaintext
   * @throws MalformedEnvelopeException if the bytes are not a readable envelope
   * @throws AuthenticationException if the context differs or anything was altered or truncated
   * @throws KeyUnavailableException if no recipient's KEK is allowed here or could unwrap
   */
  public byte[] decrypt(byte[] envelope, Map<String, String> context) {
    long start = System.nanoTime();
    String logicalKeyId = null; // reported only once known to the policy (a metric tag)
    try {
      requireArgument(envelope, "envelope");
      KeyPolicy policy = live.current(); // one policy for the whole call
      CachedHeader header = guarded(() -> engine.decryptor().parse(envelope));
      logicalKeyId = policy.key(header.logicalKeyId()).map(LogicalKey::id).orElse(null);
      byte[] plaintext =
          guarded(() -> engine.decryptor().decrypt(policy, header, envelope, context));
      observer.operation(
          EnvelopeObserver.Operation.DECRYPT,
          logicalKeyId,
          plaintext.length,
          System.nanoTime() - start,
          null);
      return plaintext;
    } catch (EnvelopeException e) {
      observer.operation(
          EnvelopeObserver.Operation.DECRYPT, logicalKeyId, 0, System.nanoTime() - start, e);
      throw e;
    }
  }

  /**
   * Returns a stream of the plaintext of the envelope read from {@code source}. The header is read
   * and the data key unwrapped before this method returns. A Cobblestone-256 body is then opened
   * chunk by chunk, each 16 KiB chunk released only after it authenticated; an A256GCM body (at
   * most {@link EnvelopeLimits#maxBufferedBodyBytes()}) is read and authenticated whole first.
   * End-of-stream is reported only after everything authenticated, so a truncated envelope always
   * ends in an {@link AuthenticationException} thrown from {@code read}. Closing the stream closes
   * {@code source}. The stream owns its state: it may be read by another thread than the one that
   * created it (one thread at a time).
   *
   * @throws EnvelopeException as {@link #decrypt}: here for the header and the data key, from
   *     {@code read} for the body
   * @throws UncheckedIOException if reading the header fails
   */
  public InputStream decryptingStream(InputStream source, Map<String, String> context) {
    requireArgument(source, "source");
    return guarded(() -> engine.decryptor().decryptingStream(live.current(), source, context));
  }

  /**
   * Re-wraps an envelope's data key under the policy's current {@code keks}, dropping every other
   * recipient (such as {@code decryptOnly} KEKs). The protected header and the body are copied byte
   * for byte.
   *
   * <p>Before any new wrap is made, the whole envelope is authenticated exactly as {@link #decrypt}
   * would with the context stored in it: the header and every byte of the body must verify under
   * the data key (the plaintext is discarded, never returned). A data key is therefore never
   * wrapped under new KEKs on the word of a header it does not authenticate — an envelope whose key
   * id was changed to another logical key's cannot move its data key to that key's KEKs.
   *
   * @throws EnvelopeException as {@link #decrypt}, and as {@link #encrypt} for the new wraps
   */
  public byte[] rewrap(byte[] envelope) {
    requireArgument(envelope, "envelope");
    return guarded(() -> engine.rewrapper().rewrap(live.current(), envelope));
  }

  /**
   * Rewraps {@code envelope} only if the policy in force says it needs it ({@link
   * EnvelopeInfo.Standing#NEEDS_REWRAP}): for migrating stored records lazily as they are read
   * ("read repair"). A current envelope costs a header parse and no KEK call.
   *
   * <pre>{@code
   * byte[] plain = envelope.decrypt(stored, context);
   * envelope.rewrapIfNeeded(stored).ifPresent(fresh -> store.put(id, fresh));
   * }</pre>
   *
   * @return the rewrapped envelope, or empty if it was current and nothing changed
   * @throws EnvelopeException as {@link #rewrap(byte[])}, including for an envelope this policy
   *     cannot open ({@link EnvelopeInfo.Standing#NOT_OPENABLE})
   */
  public Optional<byte[]> rewrapIfNeeded(byte[] envelope) {
    requireArgument(envelope, "envelope");
    return guarded(
        () -> {
          KeyPolicy policy = live.current();
          if (Inspector.inspect(envelope, policy).standing() == EnvelopeInfo.Standing.CURRENT) {
            return Optional.empty();
          }
          return Optional.of(engine.rewrapper().rewrap(policy, envelope));
        });
  }

  /**
   * As {@link #rewrap(byte[])}, for envelopes of any size: reads {@code source} and writes the
   * rewrapped envelope to {@code sink}. An A256GCM body (at most {@link
   * EnvelopeLimits#maxBufferedBodyBytes()}) is read and authenticated before anything is written; a
   * Cobblestone-256 body is authenticated chunk by chunk as it is copied, each chunk written only
   * after it verified. If this method throws, what it wrote to {@code sink} is not an envelope:
   * write to a temporary file and keep it only on success. Neither stream is closed.
   *
   * @throws UncheckedIOException if reading or writing fails
   */
  public void rewrap(InputStream source, OutputStream sink) {
    requireArgument(source, "source");
    requireArgument(sink, "sink");
    guarded(
        () -> {
          engine.rewrapper().rewrap(live.current(), source, sink);
          return null;
        });
  }

  /**
   * Checks one KEK from this cluster: wraps a throwaway random data key under {@code
   * logicalKeyId}'s wrap context and unwraps it again. Real KMS calls: a health check should cache
   * the result rather than call this per probe.
   *
   * @throws IllegalArgumentException if the policy does not list {@code kekUri} for the key
   */
  public KekCheck checkKek(String logicalKeyId, String kekUri) {
    return guarded(
        () -> {
          LogicalKey key = PolicyKeys.require(live.current(), logicalKeyId);
          if (!key.allKeks().contains(kekUri)) {
            throw new IllegalArgumentException(
                "logical key '" + logicalKeyId + "' does not list " + kekUri);
          }
          return engine.check(key, kekUri);
        });
  }

  /**
   * Judges each KEK that wraps for {@code logicalKeyId} ({@code keks}) against its {@code
   * rotationPeriod}, from what each KEK's service reports: real calls (AWS KMS
   * GetKeyRotationStatus, Cloud KMS GetCryptoKey, Key Vault's rotation policy …), so a health check
   * should cache the result. A KEK that cannot be opened here is {@code UNKNOWN} with the reason.
   *
   * @return one check per KEK, in policy order; empty if the policy requires no rotation period
   */
  public List<RotationCheck> checkRotation(String logicalKeyId) {
    return guarded(
        () -> {
          LogicalKey key = PolicyKeys.require(live.current(), logicalKeyId);
          List<RotationCheck> out = new ArrayList<>();
          if (key.rotationPeriod().isPresent()) {
            java.time.Instant now = java.time.Instant.now();
            for (String uri : key.keks()) {
              out.add(
                  RotationCheck.judge(uri, key.rotationPeriod().get(), engine.rotation(uri), now));
            }
          }
          return List.copyOf(out);
        });
  }

  /**
   * Diagnoses this cluster's KEKs for {@code logicalKeyId}, or for every logical key if null: for
   * each KEK whether its provider is here, its identity, endpoint and key state ({@link
   * dev.envelope.core.spi.KekProvider#describe}), a wrap and an unwrap probe with a throwaway data
   * key and their latency, and its rotation verdict; then per logical key whether it can seal and
   * open here. All KEKs are checked in parallel, each bounded by {@code deadline}: a hanging
   * endpoint is reported as timed out, and this call returns within about {@code deadline}. Real
   * KMS calls (audited as probes): cache the result rather than call this per request.
   *
   * @throws IllegalArgumentException if {@code deadline} is not positive
   * @throws KeyUnavailableException if the policy has no key {@code logicalKeyId}
   */
  public Diagnosis diagnose(@Nullable String logicalKeyId, java.time.Duration deadline) {
    if (deadline == null || deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive");
    }
    return guarded(
        () -> {
          KeyPolicy policy = live.current();
          List<LogicalKey> keys = new ArrayList<>();
          if (logicalKeyId != null) {
            keys.add(PolicyKeys.require(policy, logicalKeyId));
          } else {
            policy.keyIds().forEach(id -> keys.add(policy.key(id).orElseThrow()));
          }
          return engine.diagnose(policy, keys, deadline);
        });
  }

  /**
   * Reads an envelope's header without any key. Recipients show their KEK reference only; use
   * {@link #inspect(byte[], KeyPolicy)} to resolve them to URIs.
   *
   * @throws MalformedEnvelopeException if the header is not readable
   */
  public static EnvelopeInfo inspect(byte[] envelope) {
    return inspect(envelope, null);
  }

  /**
   * Reads an envelope's header and resolves its recipients against {@code policy} (which may be
   * null).
   */
  public static EnvelopeInfo inspect(byte[] envelope, @Nullable KeyPolicy policy) {
    requireArgument(envelope, "envelope");
    return Inspector.inspect(envelope, policy);
  }

  /**
   * Reads only the header from {@code source} (the body is left unread), resolving recipients
   * against {@code policy} (which may be null).
   *
   * @throws UncheckedIOException if reading fails
   */
  public static EnvelopeInfo inspect(InputStream source, @Nullable KeyPolicy policy) {
    requireArgument(source, "source");
    return Inspector.inspect(source, policy);
  }

  /**
   * Reads the header of the envelope in {@code file}, resolving recipients against {@code policy}
   * (which may be null); the body is not read, its length comes from the file's size.
   *
   * @throws UncheckedIOException if the file cannot be read
   */
  public static EnvelopeInfo inspect(Path file, @Nullable KeyPolicy policy) {
    requireArgument(file, "file");
    return Inspector.inspect(file, policy);
  }

  /**
   * The key policy this facade enforces now. With a watched {@link PolicySource} it may be another
   * one on the next call; each facade call uses one policy throughout.
   */
  public KeyPolicy policy() {
    return live.current();
  }

  /** Which policy is in force (digest, generation) and how the last reload went. */
  public PolicyStatus policyStatus() {
    return live.status();
  }

  /** The limits applied to envelopes read and written. */
  public EnvelopeLimits limits() {
    return limits;
  }

  /** Counters of cache hits and misses and of calls to each KEK, for metrics. */
  public EnvelopeStats stats() {
    return engine.stats();
  }

  /**
   * Drops the cached data keys (zeroed once no message is using them), closes the opened KEKs and
   * zeroes their key material. Later calls fail with {@link EnvelopeClosedException}. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    source.close();
    engine.close();
    audit.close();
  }

  /**
   * Runs one public call so that a race with {@link #close()} fails typed: a call after close, or
   * one in flight that reaches a released executor, cache or KEK, gets an {@link
   * EnvelopeClosedException}. Typed errors and the documented IllegalArgument/UncheckedIO ones pass
   * through as they are.
   */
  private <T> T guarded(Supplier<T> call) {
    if (closed) {
      throw new EnvelopeClosedException("this Envelope was closed; build a new one");
    }
    try {
      return call.get();
    } catch (EnvelopeException | IllegalArgumentException | UncheckedIOException e) {
      throw e;
    } catch (RuntimeException e) {
      if (closed) {
        throw new EnvelopeClosedException(
            "this Envelope was closed while the call was in flight", e);
      }
      throw e;
    }
  }

  private static void requireArgument(Object value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
  }

  @Override
  public String toString() {
    return "Envelope[" + live.current() + "]";
  }

  /** Builds an {@link Envelope}. Not thread-safe; the result is. */
  public static final class Builder {
    private PolicySource policySource;
    private LocalConfig localConfig = LocalConfig.empty();
    private EnvelopeLimits limits = EnvelopeLimits.DEFAULTS;
    private final List<KekProvider> explicit = new ArrayList<>();
    private boolean discover;
    private ClassLoader discoveryLoader;
    private EnvelopeObserver observer = EnvelopeObserver.NONE;
    private AuditSink auditSink;
    private boolean auditMessages;
    private Clock auditClock = Clock.systemUTC();

    private Builder() {}

    /** The shared key policy, fixed for the facade's life (this or {@link #policySource}). */
    public Builder policy(KeyPolicy policy) {
      this.policySource = policy == null ? null : PolicySource.fixed(policy);
      return this;
    }

    /**
     * Where the policy is read from and reloaded without a restart, e.g. {@link
     * PolicySource#file(java.nio.file.Path)}; the facade loads it when built and closes it when
     * closed. A new version replaces the policy in force atomically: messages started before keep
     * the old one, later ones use the new one. A version that fails parsing or provider validation
     * is rejected and the last good policy stays in force ({@link Envelope#policyStatus()}).
     */
    public Builder policySource(PolicySource source) {
      requireArgument(source, "source");
      this.policySource = source;
      return this;
    }

    /** This cluster's settings (default: {@link LocalConfig#empty()}). */
    public Builder localConfig(@Nullable LocalConfig localConfig) {
      this.localConfig = localConfig == null ? LocalConfig.empty() : localConfig;
      return this;
    }

    /** Limits on envelopes read and written (default: {@link EnvelopeLimits#DEFAULTS}). */
    public Builder limits(@Nullable EnvelopeLimits limits) {
      this.limits = limits == null ? EnvelopeLimits.DEFAULTS : limits;
      return this;
    }

    /**
     * Registers a KEK provider for its schemes. An explicitly registered provider takes precedence
     * over a built-in or discovered one for the same scheme; two explicit ones for a scheme are an
     * error.
     */
    public Builder provider(KekProvider provider) {
      requireArgument(provider, "provider");
      explicit.add(provider);
      return this;
    }

    /** Receives timings and outcomes for metrics (default: none). */
    public Builder observer(@Nullable EnvelopeObserver observer) {
      this.observer = observer == null ? EnvelopeObserver.NONE : observer;
      return this;
    }

    /**
     * Records the audit trail to {@code sink} (default: none): one event per KEK call, per decrypt
     * that fails authentication, per policy reload and per data-key rollover. Events reach the sink
     * on a dedicated thread; a caller pays one non-blocking enqueue, and a slow or failing sink
     * never changes a result (see {@link AuditSink}).
     */
    public Builder audit(@Nullable AuditSink sink) {
      this.auditSink = sink;
      return this;
    }

    /**
     * Also records one audit event per {@code byte[]} encrypt and decrypt (default: off; it costs
     * an event per message on the cached path). Needs {@link #audit}.
     */
    public Builder auditMessages(boolean enabled) {
      this.auditMessages = enabled;
      return this;
    }

    /** For tests: the clock audit events are stamped with. */
    Builder auditClock(Clock clock) {
      this.auditClock = clock;
      return this;
    }

    /**
     * Also registers the providers found by {@link ServiceLoader} on the class path. Off by
     * default: any jar on the class path could register a provider, and one that claims a scheme
     * would receive data keys to wrap. Two discovered providers for one scheme are an error.
     */
    public Builder discoverProviders() {
      this.discover = true;
      return this;
    }

    /**
     * As {@link #discoverProviders()}, searching {@code classLoader} (an application server's or
     * Spring Boot's) instead of the thread's context class loader.
     */
    public Builder discoverProviders(ClassLoader classLoader) {
      this.discover = true;
      this.discoveryLoader = classLoader;
      return this;
    }

    /**
     * The facade.
     *
     * @throws IllegalStateException if no policy was set or two providers claim one scheme
     * @throws InvalidPolicyException if the policy source cannot be read or a provider refuses one
     *     of its KEK URIs
     */
    public Envelope build() {
      if (policySource == null) {
        throw new IllegalStateException(
            "a key policy is required: call policy(KeyPolicy.load(...)) or policySource(...)");
      }
      Map<String, KekProvider> providers = Providers.assemble(explicit, discover, discoveryLoader);
      try {
        return new Envelope(this, policySource, providers);
      } catch (RuntimeException e) {
        policySource.close();
        throw e;
      }
    }
  }
}
