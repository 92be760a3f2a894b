package dev.envelope.core.audit;

import dev.envelope.core.EnvelopeObserver.KekOperation;
import dev.envelope.core.EnvelopeObserver.Operation;
import dev.envelope.core.PolicyStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One entry of the audit trail. Events carry names, references, outcomes and timings — logical key
 * ids, KEK URIs, identities, error types, digests — never key material, plaintext, context values
 * or credentials. {@link #fields()} is the flat form every sink writes: the same names for the same
 * facts across event types.
 */
public sealed interface AuditEvent {
  /** When it happened. */
  Instant time();

  /** The event's name in {@link #fields()}: {@code kek-call}, {@code policy-reload}, … */
  String type();

  /**
   * The event as ordered name/value pairs (strings, numbers, booleans), starting with {@code event}
   * and {@code time}; absent facts are left out rather than null.
   */
  Map<String, Object> fields();

  /** How a call ended. */
  enum Outcome {
    OK,
    FAILED
  }

  /**
   * A KEK wrapped or unwrapped a data key: a KMS or HSM call for most providers, a local operation
   * for key files.
   *
   * @param logicalKeyId the logical key the data key belongs to (its wrap context)
   * @param identity who the call was made as ({@link dev.envelope.core.spi.Kek#identity()})
   * @param errorType the simple class name of the failure, or null on success
   * @param reference the service's reference for the call (its request id), or null
   * @param probe true for a health or doctor check with a throwaway data key
   */
  record KekCall(
      Instant time,
      KekOperation operation,
      String logicalKeyId,
      String kekUri,
      String identity,
      Outcome outcome,
      @Nullable String errorType,
      Duration latency,
      @Nullable String reference,
      boolean probe)
      implements AuditEvent {
    @Override
    public String type() {
      return "kek-call";
    }

    @Override
    public Map<String, Object> fields() {
      Map<String, Object> m = start(this);
      m.put("operation", operation.name().toLowerCase(java.util.Locale.ROOT));
      m.put("logicalKey", logicalKeyId);
      m.put("kek", kekUri);
      m.put("identity", identity);
      m.put("outcome", outcome.name());
      put(m, "errorType", errorType);
      m.put("latencyMicros", latency.toNanos() / 1000);
      put(m, "reference", reference);
      if (probe) {
        m.put("probe", true);
      }
      return m;
    }
  }

  /** Which check of a decrypt failed. */
  enum Check {
    /** The context given differs from the one sealed in the header. */
    CONTEXT,
    /** No recipient's data key authenticated the header (altered wrap, commitment or header). */
    DATA_KEY,
    /** The body did not authenticate under the data key (altered or truncated ciphertext). */
    BODY
  }

  /**
   * A decrypt failed authentication: possible tampering, or a caller passing the wrong context.
   *
   * @param logicalKeyId the logical key the header names (valid by the format's rule, possibly not
   *     one of the policy's)
   * @param headerDigest {@code sha256:} and the hex SHA-256 of the header bytes, to find the
   *     envelope again without logging it
   */
  record AuthenticationFailure(Instant time, String logicalKeyId, String headerDigest, Check check)
      implements AuditEvent {
    @Override
    public String type() {
      return "authentication-failure";
    }

    @Override
    public Map<String, Object> fields() {
      Map<String, Object> m = start(this);
      m.put("logicalKey", logicalKeyId);
      m.put("headerDigest", headerDigest);
      m.put("check", check.name());
      return m;
    }
  }

  /**
   * The facade loaded its policy, or its source reported a version: applied, unchanged or rejected.
   *
   * @param digest the digest of the policy in force after the event
   * @param error why the version was rejected, or null
   */
  record PolicyReload(
      Instant time,
      String source,
      PolicyStatus.Outcome outcome,
      String digest,
      long generation,
      @Nullable String error)
      implements AuditEvent {
    @Override
    public String type() {
      return "policy-reload";
    }

    @Override
    public Map<String, Object> fields() {
      Map<String, Object> m = start(this);
      m.put("source", source);
      m.put("outcome", outcome.name());
      m.put("digest", digest);
      m.put("generation", generation);
      put(m, "error", error);
      return m;
    }
  }

  /**
   * A new data key was made for encrypting under a logical key, replacing the cached one (or as the
   * first).
   *
   * @param reason why: {@code first}, {@code limit} (its maxMessages or maxBytes was used up),
   *     {@code expired} (maxAge), {@code policy} (a reload changed the logical key), {@code
   *     uncached} (the key's cache is disabled: one data key per message)
   * @param keks the KEKs that wrapped it
   * @param dataKeyRef a non-secret name for the data key: the first 16 hex digits of the SHA-256 of
   *     its wrapped keys as stored in every envelope it seals
   */
  record DataKeyRollover(
      Instant time, String logicalKeyId, String reason, List<String> keks, String dataKeyRef)
      implements AuditEvent {
    public DataKeyRollover {
      keks = List.copyOf(keks);
    }

    @Override
    public String type() {
      return "data-key-rollover";
    }

    @Override
    public Map<String, Object> fields() {
      Map<String, Object> m = start(this);
      m.put("logicalKey", logicalKeyId);
      m.put("reason", reason);
      m.put("keks", String.join(",", keks));
      m.put("dataKeyRef", dataKeyRef);
      return m;
    }
  }

  /**
   * A {@code byte[]} encrypt or decrypt (only when per-message events are enabled).
   *
   * @param logicalKeyId the logical key, or null if a decrypt failed before it was known
   */
  record Message(
      Instant time,
      Operation operation,
      @Nullable String logicalKeyId,
      long plaintextBytes,
      Outcome outcome,
      @Nullable String errorType,
      Duration latency)
      implements AuditEvent {
    @Override
    public String type() {
      return "message";
    }

    @Override
    public Map<String, Object> fields() {
      Map<String, Object> m = start(this);
      m.put("operation", operation.name().toLowerCase(java.util.Locale.ROOT));
      put(m, "logicalKey", logicalKeyId);
      m.put("plaintextBytes", plaintextBytes);
      m.put("outcome", outcome.name());
      put(m, "errorType", errorType);
      m.put("latencyMicros", latency.toNanos() / 1000);
      return m;
    }
  }

  /** The sink fell behind and {@code count} events were dropped before this one. */
  record EventsDropped(Instant time, long count) implements AuditEvent {
    @Override
    public String type() {
      return "events-dropped";
    }

    @Override
    public Map<String, Object> fields() {
      Map<String, Object> m = start(this);
      m.put("count", count);
      return m;
    }
  }

  private static Map<String, Object> start(AuditEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("event", e.type());
    m.put("time", e.time().toString());
    return m;
  }

  private static void put(Map<String, Object> m, String name, @Nullable Object value) {
    if (value != null) {
      m.put(name, value);
    }
  }
}
