package dev.envelope.core.internal;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.EnvelopeObserver;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.RecipientFailure;
import dev.envelope.core.format.Cobblestone;
import dev.envelope.core.format.Decryption;
import dev.envelope.core.format.EnvelopeHeader;
import dev.envelope.core.format.EnvelopeHeader.Recipient;
import dev.envelope.core.format.KekUris;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the data key of an envelope: the one that last opened this very header if it is still
 * cached, else by trying the envelope's recipients in this cluster's preference order. Only KEKs
 * the policy names for the envelope's logical key are ever opened: a recipient is matched to the
 * policy by its 8-byte reference, and a reference the policy does not know is skipped, never
 * resolved.
 */
final class Unwrapper {
  private static final Logger LOG = LoggerFactory.getLogger(Unwrapper.class);

  /** A data key checked against an envelope, leased, and the message's decryption. */
  record Leased(DataKey dataKey, Decryption decryption) {
    void release() {
      dataKey.release();
    }
  }

  private final KekRegistry registry;
  private final LocalConfig config;
  private final Counters counters;
  private final DecryptKeyCache cache;
  private final KekCalls calls;

  Unwrapper(
      KekRegistry registry,
      LocalConfig config,
      Counters counters,
      DecryptKeyCache cache,
      KekCalls calls) {
    this.registry = registry;
    this.config = config;
    this.counters = counters;
    this.cache = cache;
    this.calls = calls;
  }

  /**
   * The first data key, in preference order, that passes {@code check} (the body's commitment).
   *
   * @param check a data key's decryption of this envelope; throws AuthenticationException if it is
   *     not its data key
   * @throws AuthenticationException if every usable recipient failed to authenticate
   * @throws KeyUnavailableException if no recipient could be used at all
   */
  Leased find(LogicalKey key, EnvelopeHeader header, Function<DataKey, Decryption> check) {
    return search(key, header, check);
  }

  /**
   * As {@link #find(LogicalKey, EnvelopeHeader, Function)} for a cached header: tries the data key
   * that last opened these very header bytes first, and remembers the one found.
   */
  Leased find(LogicalKey key, CachedHeader cached, Function<DataKey, Decryption> check) {
    DataKey memo = cached.opener;
    // The memo is used only while the policy in force still allows the KEK that unwrapped it: a
    // reload that removes a KEK stops it opening envelopes at once, not when the memo expires.
    if (memo != null && key.allows(memo.unwrappedBy) && memo.lease()) {
      try {
        Decryption decryption = check.apply(memo);
        counters.decryptHits.increment();
        return new Leased(memo, decryption);
      } catch (AuthenticationException e) {
        memo.release(); // not this envelope's key after all: search the recipients
      }
    }
    Leased found = search(key, cached.header, check);
    cached.opener = found.dataKey();
    return found;
  }

  private Leased search(
      LogicalKey key, EnvelopeHeader header, Function<DataKey, Decryption> check) {
    record Candidate(String uri, Recipient recipient, int rank) {}
    List<Candidate> candidates = new ArrayList<>();
    List<RecipientFailure> failures = new ArrayList<>();
    for (Recipient r : header.recipients) {
      Optional<String> uri = key.kekFor(r.kekRef());
      if (uri.isEmpty()) {
        failures.add(
            new RecipientFailure(
                "kek-ref:" + KekUris.hex(r.kekRef()),
                "not a KEK the key policy allows for '" + key.id() + "'; skipped",
                false));
      } else {
        candidates.add(
            new Candidate(
                uri.get(), r, header.recipients.size() == 1 ? 0 : config.rank(uri.get())));
      }
    }
    if (candidates.isEmpty()) {
      throw new KeyUnavailableException(
          "none of the envelope's "
              + header.recipients.size()
              + " recipients is a KEK that the key"
              + " policy allows for '"
              + key.id()
              + "' (keks or decryptOnly); was it sealed under"
              + " another policy, or was its KEK removed from this one?",
          false,
          failures,
          null);
    }
    candidates.sort(Comparator.comparingInt(Candidate::rank));
    WrapContext context = new WrapContext(key.id());
    boolean anyUnavailable = false;
    for (Candidate c : candidates) {
      DataKey dataKey = null;
      try {
        Recipient r = c.recipient();
        dataKey =
            cache.lease(
                key.id(),
                c.uri(),
                r.wrapAlgorithm(),
                r.wrappedKey(),
                () -> unwrap(c.uri(), r, context));
        return new Leased(dataKey, check.apply(dataKey));
      } catch (RuntimeException e) {
        if (dataKey != null) {
          dataKey.release();
        }
        RecipientFailure f = Failures.of(c.uri(), e);
        anyUnavailable |= !(e instanceof AuthenticationException);
        failures.add(f);
        LOG.debug("Recipient {} failed: {}", c.uri(), f.reason());
      }
    }
    if (!anyUnavailable) {
      throw new AuthenticationException(
          "the envelope did not authenticate with any recipient: " + Failures.describe(failures),
          failures);
    }
    throw new KeyUnavailableException(
        "no recipient of the envelope could be unwrapped here: " + Failures.describe(failures),
        failures.stream().anyMatch(RecipientFailure::retryable),
        failures,
        null);
  }

  private DataKey unwrap(String uri, Recipient recipient, WrapContext context) {
    Kek kek = registry.kek(uri);
    if (kek.algorithm().id() != recipient.wrapAlgorithm()) {
      throw new AuthenticationException(
          "the recipient says wrap algorithm "
              + recipient.wrapAlgorithm()
              + " but this KEK uses "
              + kek.algorithm().name());
    }
    counters.unwrapCalled(uri);
    // A copy: the wrapped bytes are part of cached headers and keys, and a provider might modify
    // them.
    SecretBytes dek =
        calls.timed(
            EnvelopeObserver.KekOperation.UNWRAP,
            context,
            kek,
            () -> kek.unwrap(recipient.wrappedKey().clone(), context));
    if (dek == null || dek.length() != Cobblestone.KEY_BYTES) {
      if (dek != null) {
        dek.destroy();
      }
      throw new AuthenticationException("the unwrapped data key has the wrong length");
    }
    return DataKey.forDecryption(dek, uri);
  }
}
