package dev.envelope.core.internal;

import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.EnvelopeObserver;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.RecipientFailure;
import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.format.Cobblestone;
import dev.envelope.core.format.EnvelopeHeader.Recipient;
import dev.envelope.core.format.HeaderCodec;
import dev.envelope.core.format.KekUris;
import dev.envelope.core.format.Randoms;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a data key under every KEK of a logical key — in parallel when there are several, within
 * the local config's {@code wrapTimeout} — and encodes the recipients every envelope sealed under
 * that data key carries.
 */
final class Wrapper {
  private static final Logger LOG = LoggerFactory.getLogger(Wrapper.class);

  /** How one KEK's wrap ended: a recipient, or why there is none. */
  private sealed interface Outcome permits Wrapped, Failed {
    void addTo(List<Recipient> recipients, List<RecipientFailure> failures);
  }

  private record Wrapped(Recipient recipient) implements Outcome {
    @Override
    public void addTo(List<Recipient> recipients, List<RecipientFailure> failures) {
      recipients.add(recipient);
    }
  }

  private record Failed(RecipientFailure failure) implements Outcome {
    @Override
    public void addTo(List<Recipient> recipients, List<RecipientFailure> failures) {
      failures.add(failure);
    }
  }

  private final KekRegistry registry;
  private final EnvelopeLimits limits;
  private final Counters counters;
  private final ExecutorService executor;
  private final Duration timeout;
  private final KekCalls calls;
  private final AuditTrail audit;

  Wrapper(
      KekRegistry registry,
      EnvelopeLimits limits,
      Counters counters,
      ExecutorService executor,
      Duration timeout,
      KekCalls calls,
      AuditTrail audit) {
    this.registry = registry;
    this.limits = limits;
    this.counters = counters;
    this.executor = executor;
    this.timeout = timeout;
    this.calls = calls;
    this.audit = audit;
  }

  /**
   * A new random data key, wrapped under every KEK of {@code key} (for the encrypt cache), and its
   * audit event.
   *
   * @param reason why the cache needs it ({@link AuditEvent.DataKeyRollover#reason()})
   */
  DataKey newDataKey(LogicalKey key, String reason) {
    byte[] dek = new byte[Cobblestone.KEY_BYTES];
    Randoms.key(dek);
    SecretBytes dataKey = SecretBytes.adopt(dek);
    try {
      List<String> wrappedBy = new ArrayList<>();
      byte[] recipients = wrapAll(key, dataKey, wrappedBy);
      if (audit.enabled()) {
        audit.record(
            new AuditEvent.DataKeyRollover(
                audit.now(), key.id(), reason, wrappedBy, Digests.shortHex(recipients)));
      }
      return DataKey.forEncryption(dataKey, recipients, key.dataKeyCache());
    } catch (RuntimeException e) {
      dataKey.destroy();
      throw e;
    }
  }

  /**
   * Wraps {@code dataKey} under each of the key's {@code keks}.
   *
   * @return R || recipients, encoded
   * @throws KeyUnavailableException if fewer than {@code minWrap} wraps succeeded
   */
  byte[] wrapAll(LogicalKey key, SecretBytes dataKey) {
    return wrapAll(key, dataKey, new ArrayList<>());
  }

  private byte[] wrapAll(LogicalKey key, SecretBytes dataKey, List<String> wrappedBy) {
    WrapContext context = new WrapContext(key.id());
    List<String> uris = key.keks();
    List<Outcome> outcomes =
        uris.size() == 1
            ? List.of(wrapOne(uris.get(0), dataKey, context))
            : wrapInParallel(uris, dataKey, context);
    List<Recipient> recipients = new ArrayList<>();
    List<RecipientFailure> failures = new ArrayList<>();
    outcomes.forEach(o -> o.addTo(recipients, failures));
    for (int i = 0; i < uris.size(); i++) {
      if (outcomes.get(i) instanceof Wrapped) {
        wrappedBy.add(uris.get(i));
      }
    }
    if (recipients.size() < key.minWrap()) {
      throw new KeyUnavailableException(
          "could not wrap a data key for logical key '"
              + key.id()
              + "': "
              + recipients.size()
              + " of "
              + uris.size()
              + " KEKs succeeded, minWrap is "
              + key.minWrap()
              + ". "
              + Failures.describe(failures),
          failures.stream().anyMatch(RecipientFailure::retryable),
          failures,
          null);
    }
    if (!failures.isEmpty()) {
      LOG.warn(
          "Data key for '{}' wrapped under {} of {} KEKs (minWrap {}); failed: {}",
          key.id(),
          recipients.size(),
          uris.size(),
          key.minWrap(),
          failures);
    }
    byte[] encoded = HeaderCodec.encodeRecipients(recipients);
    if (encoded.length - 2 > limits.maxRecipientsBytes()) {
      throw new KeyUnavailableException(
          "the wrapped data keys of '"
              + key.id()
              + "' need "
              + (encoded.length - 2)
              + " bytes, above EnvelopeLimits.maxRecipientsBytes ("
              + limits.maxRecipientsBytes()
              + ")",
          false);
    }
    return encoded;
  }

  private List<Outcome> wrapInParallel(
      List<String> uris, SecretBytes dataKey, WrapContext context) {
    List<CompletableFuture<Outcome>> futures = new ArrayList<>();
    for (String uri : uris) {
      futures.add(CompletableFuture.supplyAsync(() -> wrapOne(uri, dataKey, context), executor));
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < futures.size(); i++) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        outcomes.add(futures.get(i).get(left, TimeUnit.NANOSECONDS));
      } catch (TimeoutException e) {
        futures.get(i).cancel(true);
        outcomes.add(
            new Failed(
                new RecipientFailure(
                    uris.get(i), "did not wrap within wrapTimeout " + timeout, true)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KeyUnavailableException("interrupted while wrapping a data key", true, e);
      } catch (ExecutionException e) {
        outcomes.add(new Failed(Failures.of(uris.get(i), (RuntimeException) e.getCause())));
      }
    }
    return outcomes;
  }

  private Outcome wrapOne(String uri, SecretBytes dataKey, WrapContext context) {
    try {
      Kek kek = registry.kek(uri);
      counters.wrapCalled(uri);
      byte[] wrapped =
          calls.timed(
              EnvelopeObserver.KekOperation.WRAP, context, kek, () -> kek.wrap(dataKey, context));
      if (wrapped == null || wrapped.length == 0 || wrapped.length > limits.maxWrappedKeyBytes()) {
        throw new KeyUnavailableException(
            "the KEK returned a wrapped key of "
                + (wrapped == null ? 0 : wrapped.length)
                + " bytes; allowed 1.."
                + limits.maxWrappedKeyBytes()
                + " (EnvelopeLimits.maxWrappedKeyBytes)",
            false);
      }
      return new Wrapped(new Recipient(KekUris.reference(uri), kek.algorithm().id(), wrapped));
    } catch (RuntimeException e) {
      return new Failed(Failures.of(uri, e));
    }
  }
}
