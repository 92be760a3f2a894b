package dev.envelope.core;

import dev.envelope.core.EnvelopeHeader.Recipient;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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

  Recipients(KekRegistry registry, LocalConfig config, EnvelopeLimits limits) {
    this.registry = registry;
    this.config = config;
    this.limits = limits;
  }

  /** A data key and the message keys it unlocked. */
  record Unlocked(SecretBytes dataKey, Cobblestone.MessageKeys keys) {}

  /**
   * Wraps {@code dataKey} under each of the key's {@code keks}.
   *
   * @throws KeyUnavailableException if fewer than {@code minWrap} wraps succeeded
   */
  List<Recipient> wrapAll(LogicalKey key, SecretBytes dataKey) {
    WrapContext context = new WrapContext(key.id());
    List<Recipient> recipients = new ArrayList<>();
    List<RecipientFailure> failures = new ArrayList<>();
    for (String uri : key.keks()) {
      try {
        Kek kek = registry.kek(uri);
        byte[] wrapped = kek.wrap(dataKey, context);
        if (wrapped == null || wrapped.length == 0 || wrapped.length > limits.maxWrappedKeyBytes()) {
          throw new KeyUnavailableException("the KEK returned a wrapped key of "
              + (wrapped == null ? 0 : wrapped.length) + " bytes; allowed 1.."
              + limits.maxWrappedKeyBytes() + " (EnvelopeLimits.maxWrappedKeyBytes)", false);
        }
        recipients.add(new Recipient(KekUris.reference(uri), kek.algorithm().id(), wrapped));
      } catch (RuntimeException e) {
        failures.add(failure(uri, e));
      }
    }
    if (recipients.size() < key.minWrap()) {
      throw new KeyUnavailableException(
          "could not wrap a data key for logical key '" + key.id() + "': " + recipients.size()
              + " of " + key.keks().size() + " KEKs succeeded, minWrap is " + key.minWrap() + ". "
              + describe(failures),
          failures.stream().anyMatch(RecipientFailure::retryable), failures, null);
    }
    if (!failures.isEmpty()) {
      LOG.warn("Data key for '{}' wrapped under {} of {} KEKs (minWrap {}); failed: {}",
          key.id(), recipients.size(), key.keks().size(), key.minWrap(), failures);
    }
    return recipients;
  }

  /**
   * Unwraps the envelope's data key with the first recipient that works and whose key matches the
   * body's key commitment.
   *
   * @param saltAndCommitment the first 56 bytes of the body
   * @throws AuthenticationException if every usable recipient failed to authenticate
   * @throws KeyUnavailableException if no recipient could be used at all
   */
  Unlocked unlock(LogicalKey key, EnvelopeHeader header, byte[] saltAndCommitment) {
    record Candidate(String uri, Recipient recipient, int rank) {}
    List<Candidate> candidates = new ArrayList<>();
    List<RecipientFailure> failures = new ArrayList<>();
    for (Recipient r : header.recipients) {
      String uri = key.kekFor(r.kekRef()).orElse(null);
      if (uri == null) {
        failures.add(new RecipientFailure("kek-ref:" + KekUris.hex(r.kekRef()),
            "not a KEK the key policy allows for '" + key.id() + "'; skipped", false));
      } else {
        candidates.add(new Candidate(uri, r, config.rank(uri)));
      }
    }
    if (candidates.isEmpty()) {
      throw new KeyUnavailableException(
          "none of the envelope's " + header.recipients.size() + " recipients is a KEK that the key"
              + " policy allows for '" + key.id() + "' (keks or decryptOnly); was it sealed under"
              + " another policy, or was its KEK removed from this one?",
          false, failures, null);
    }
    candidates.sort(Comparator.comparingInt(Candidate::rank));
    WrapContext context = new WrapContext(key.id());
    boolean anyUnavailable = false;
    for (Candidate c : candidates) {
      SecretBytes dataKey = null;
      try {
        Kek kek = registry.kek(c.uri);
        if (kek.algorithm().id() != c.recipient.wrapAlgorithm()) {
          throw new AuthenticationException("the recipient says wrap algorithm "
              + c.recipient.wrapAlgorithm() + " but this KEK uses " + kek.algorithm().name());
        }
        dataKey = kek.unwrap(c.recipient.wrappedKey(), context);
        if (dataKey == null || dataKey.length() != Cobblestone.KEY_BYTES) {
          throw new AuthenticationException("the unwrapped data key has the wrong length");
        }
        byte[] dek = dataKey.toByteArray();
        Cobblestone.MessageKeys keys;
        try {
          keys = Cobblestone.deriveAndCheck(dek, header.authenticated, saltAndCommitment, 0);
        } finally {
          Arrays.fill(dek, (byte) 0);
        }
        if (keys == null) {
          throw new AuthenticationException("the unwrapped data key does not match the envelope's"
              + " key commitment (a recipient of another envelope, or the header or body was"
              + " altered)");
        }
        return new Unlocked(dataKey, keys);
      } catch (RuntimeException e) {
        if (dataKey != null) {
          dataKey.destroy();
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
