package dev.envelope.core;

import dev.envelope.core.EnvelopeHeader.Recipient;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a data key for every KEK of a logical key, and finds the data key of an envelope by trying
 * its recipients in this cluster's preference order. Only KEKs the policy names for the envelope's
 * logical key are ever opened: a recipient is matched to the policy by its 8-byte reference, and a
 * reference the policy does not know is skipped, never resolved.
 */
final class Recipients {
  private static final Logger LOG = LoggerFactory.getLogger(Recipients.class);

  private final KekRegistry registry;
  private final LocalConfig config;
  private final EnvelopeLimits limits;
  private final Counters counters;
  private final DecryptKeyCache decryptCache;
  private final ExecutorService wrapExecutor;
  private final Duration wrapTimeout;
  private final EnvelopeObserver observer;

  Recipients(KekRegistry registry, LocalConfig config, EnvelopeLimits limits, Counters counters,
      DecryptKeyCache decryptCache, ExecutorService wrapExecutor, EnvelopeObserver observer) {
    this.observer = observer;
    this.registry = registry;
    this.config = config;
    this.limits = limits;
    this.counters = counters;
    this.decryptCache = decryptCache;
    this.wrapExecutor = wrapExecutor;
    this.wrapTimeout = config.wrapTimeout();
  }

  /** A data key that opened an envelope, leased, and what its check derived. */
  record Opened<T>(DataKey dataKey, T value) {}

  /**
   * Wraps {@code dataKey} under each of the key's {@code keks}; with several KEKs in parallel,
   * within the local config's {@code wrapTimeout}.
   *
   * @return R || recipients, encoded
   * @throws KeyUnavailableException if fewer than {@code minWrap} wraps succeeded
   */
  byte[] wrapAll(LogicalKey key, SecretBytes dataKey) {
    WrapContext context = new WrapContext(key.id());
    List<String> uris = key.keks();
    List<Object> outcomes = new ArrayList<>();
    if (uris.size() == 1) {
      outcomes.add(wrapOne(uris.get(0), dataKey, context));
    } else {
      List<CompletableFuture<Object>> futures = new ArrayList<>();
      for (String uri : uris) {
        futures.add(CompletableFuture.supplyAsync(() -> wrapOne(uri, dataKey, context), wrapExecutor));
      }
      long deadline = System.nanoTime() + wrapTimeout.toNanos();
      for (int i = 0; i < futures.size(); i++) {
        try {
          long left = Math.max(0, deadline - System.nanoTime());
          outcomes.add(futures.get(i).get(left, TimeUnit.NANOSECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
          futures.get(i).cancel(true);
          outcomes.add(new RecipientFailure(uris.get(i),
              "did not wrap within wrapTimeout " + wrapTimeout, true));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KeyUnavailableException("interrupted while wrapping a data key", true, e);
        } catch (java.util.concurrent.ExecutionException e) {
          outcomes.add(failure(uris.get(i), (RuntimeException) e.getCause()));
        }
      }
    }
    List<Recipient> recipients = new ArrayList<>();
    List<RecipientFailure> failures = new ArrayList<>();
    for (Object o : outcomes) {
      if (o instanceof Recipient r) {
        recipients.add(r);
      } else {
        failures.add((RecipientFailure) o);
      }
    }
    if (recipients.size() < key.minWrap()) {
      throw new KeyUnavailableException(
          "could not wrap a data key for logical key '" + key.id() + "': " + recipients.size()
              + " of " + uris.size() + " KEKs succeeded, minWrap is " + key.minWrap() + ". "
              + describe(failures),
          failures.stream().anyMatch(RecipientFailure::retryable), failures, null);
    }
    if (!failures.isEmpty()) {
      LOG.warn("Data key for '{}' wrapped under {} of {} KEKs (minWrap {}); failed: {}",
          key.id(), recipients.size(), uris.size(), key.minWrap(), failures);
    }
    byte[] encoded = HeaderCodec.encodeRecipients(recipients);
    if (encoded.length - 2 > limits.maxRecipientsBytes()) {
      throw new KeyUnavailableException("the wrapped data keys of '" + key.id() + "' need "
          + (encoded.length - 2) + " bytes, above EnvelopeLimits.maxRecipientsBytes ("
          + limits.maxRecipientsBytes() + ")", false);
    }
    return encoded;
  }

  /** A {@link Recipient}, or the {@link RecipientFailure} that prevented it. */
  private Object wrapOne(String uri, SecretBytes dataKey, WrapContext context) {
    try {
      Kek kek = registry.kek(uri);
      counters.wrapCalled(uri);
      byte[] wrapped = timed(EnvelopeObserver.KekOperation.WRAP, context, uri,
          () -> kek.wrap(dataKey, context));
      if (wrapped == null || wrapped.length == 0 || wrapped.length > limits.maxWrappedKeyBytes()) {
        throw new KeyUnavailableException("the KEK returned a wrapped key of "
            + (wrapped == null ? 0 : wrapped.length) + " bytes; allowed 1.."
            + limits.maxWrappedKeyBytes() + " (EnvelopeLimits.maxWrappedKeyBytes)", false);
      }
      return new Recipient(KekUris.reference(uri), kek.algorithm().id(), wrapped);
    } catch (RuntimeException e) {
      return failure(uri, e);
    }
  }

  /**
   * Finds the envelope's data key: the first recipient, in preference order, whose data key
   * passes {@code check} (the body's key commitment). The key comes leased from the decrypt cache,
   * or is unwrapped on a miss.
   *
   * @param check returns what the caller needs (derived message keys), or null on a commitment
   *     mismatch
   * @throws AuthenticationException if every usable recipient failed to authenticate
   * @throws KeyUnavailableException if no recipient could be used at all
   */
  <T> Opened<T> unlock(LogicalKey key, EnvelopeHeader header, Function<DataKey, T> check) {
    record Candidate(String uri, Recipient recipient, int rank) {}
    List<Candidate> candidates = new ArrayList<>();
    List<RecipientFailure> failures = new ArrayList<>();
    for (Recipient r : header.recipients) {
      String uri = key.kekFor(r.kekRef()).orElse(null);
      if (uri == null) {
        failures.add(new RecipientFailure("kek-ref:" + KekUris.hex(r.kekRef()),
            "not a KEK the key policy allows for '" + key.id() + "'; skipped", false));
      } else {
        candidates.add(new Candidate(uri, r, header.recipients.size() == 1 ? 0 : config.rank(uri)));
      }
    }
    if (candidates.isEmpty()) {
      throw new KeyUnavailableException(
          "none of the envelope's " + header.recipients.size() + " recipients is a KEK that the key"
              + " policy allows for '" + key.id() + "' (keks or decryptOnly); was it sealed under"
              + " another policy, or was its KEK removed from this one?",
          false, failures, null);
    }
    if (candidates.size() > 1) {
      candidates.sort(Comparator.comparingInt(Candidate::rank));
    }
    WrapContext context = new WrapContext(key.id());
    boolean anyUnavailable = false;
    for (Candidate c : candidates) {
      DataKey dataKey = null;
      try {
        Recipient r = c.recipient;
        dataKey = decryptCache.leased(key.id(), c.uri, r.wrapAlgorithm(), r.wrappedKey(),
            () -> unwrap(c.uri, r, context));
        T value = check.apply(dataKey);
        if (value == null) {
          throw new AuthenticationException("the unwrapped data key does not match the envelope's"
              + " key commitment (a recipient of another envelope, or the header or body was"
              + " altered)");
        }
        return new Opened<>(dataKey, value);
      } catch (RuntimeException e) {
        if (dataKey != null) {
          dataKey.release();
        }
        RecipientFailure f = failure(c.uri, e);
        anyUnavailable |= !(e instanceof AuthenticationException);
        failures.add(f);
        LOG.debug("Recipient {} failed: {}", c.uri, f.reason());
      }
    }
    boolean retryable = failures.stream().anyMatch(RecipientFailure::retryable);
    if (!anyUnavailable) {
      throw new AuthenticationException(
          "the envelope did not authenticate with any recipient: " + describe(failures), failures);
    }
    throw new KeyUnavailableException(
        "no recipient of the envelope could be unwrapped here: " + describe(failures),
        retryable, failures, null);
  }

  private DataKey unwrap(String uri, Recipient recipient, WrapContext context) {
    Kek kek = registry.kek(uri);
    if (kek.algorithm().id() != recipient.wrapAlgorithm()) {
      throw new AuthenticationException("the recipient says wrap algorithm "
          + recipient.wrapAlgorithm() + " but this KEK uses " + kek.algorithm().name());
    }
    counters.unwrapCalled(uri);
    // A copy: the wrapped bytes are part of cached headers and keys, and a provider might modify them.
    SecretBytes dek = timed(EnvelopeObserver.KekOperation.UNWRAP, context, uri,
        () -> kek.unwrap(recipient.wrappedKey().clone(), context));
    if (dek == null || dek.length() != Cobblestone.KEY_BYTES) {
      if (dek != null) {
        dek.destroy();
      }
      throw new AuthenticationException("the unwrapped data key has the wrong length");
    }
    return DataKey.forDecryption(dek);
  }

  /** Runs one KEK call and tells the observer how long it took and how it ended. */
  private <T> T timed(EnvelopeObserver.KekOperation operation, WrapContext context, String uri,
      java.util.function.Supplier<T> call) {
    long start = System.nanoTime();
    try {
      T result = call.get();
      observer.kekCall(operation, context.logicalKeyId(), uri, System.nanoTime() - start, null);
      return result;
    } catch (RuntimeException e) {
      observer.kekCall(operation, context.logicalKeyId(), uri, System.nanoTime() - start, e);
      throw e;
    }
  }

  private static RecipientFailure failure(String uri, RuntimeException e) {
    if (e instanceof KeyUnavailableException k) {
      return new RecipientFailure(uri, k.getMessage(), k.retryable());
    }
    if (e instanceof EnvelopeException) {
      return new RecipientFailure(uri, e.getMessage(), false);
    }
    // A provider bug or an SDK exception we did not map: name it, do not trust its message length.
    String message = e.getMessage() == null ? "" : ": " + e.getMessage();
    if (message.length() > 200) {
      message = message.substring(0, 200) + "...";
    }
    return new RecipientFailure(uri, "provider error " + e.getClass().getSimpleName() + message, false);
  }

  private static String describe(List<RecipientFailure> failures) {
    StringBuilder sb = new StringBuilder();
    for (RecipientFailure f : failures) {
      sb.append(sb.length() == 0 ? "" : "; ").append(f);
    }
    return sb.toString();
  }
}
