package dev.envelope.core.internal;

import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.EnvelopeInfo.KekStatus;
import dev.envelope.core.EnvelopeInfo.RecipientInfo;
import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.format.Bodies;
import dev.envelope.core.format.EnvelopeHeader;
import dev.envelope.core.format.EnvelopeHeader.Recipient;
import dev.envelope.core.format.HeaderCodec;
import dev.envelope.core.format.KekUris;
import dev.envelope.core.spi.WrapAlgorithm;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads envelope headers without a key and describes them, resolved against a policy if given. */
public final class Inspector {
  private Inspector() {}

  public static EnvelopeInfo inspect(byte[] envelope, KeyPolicy policy) {
    EnvelopeHeader header = HeaderCodec.parse(envelope, EnvelopeLimits.DEFAULTS);
    return describe(header, envelope.length - header.length, policy);
  }

  public static EnvelopeInfo inspect(InputStream source, KeyPolicy policy) {
    try {
      return describe(HeaderCodec.read(source, EnvelopeLimits.DEFAULTS), -1, policy);
    } catch (IOException e) {
      throw new UncheckedIOException("reading the envelope header failed", e);
    }
  }

  public static EnvelopeInfo inspect(Path file, KeyPolicy policy) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      EnvelopeHeader header = HeaderCodec.read(in, EnvelopeLimits.DEFAULTS);
      return describe(header, Files.size(file) - header.length, policy);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file + " failed", e);
    }
  }

  /**
   * @param bodyBytes the body's length, or -1 if unknown
   */
  private static EnvelopeInfo describe(EnvelopeHeader header, long bodyBytes, KeyPolicy policy) {
    Optional<LogicalKey> key = policy == null ? Optional.empty() : policy.key(header.logicalKeyId);
    List<RecipientInfo> infos = new ArrayList<>();
    for (Recipient r : header.recipients) {
      Optional<String> uri = key.flatMap(k -> k.kekFor(r.kekRef()));
      KekStatus status =
          policy == null
              ? KekStatus.UNRESOLVED
              : uri.isEmpty()
                  ? KekStatus.NOT_IN_POLICY
                  : key.get().isDecryptOnly(uri.get()) ? KekStatus.DECRYPT_ONLY : KekStatus.ACTIVE;
      infos.add(
          new RecipientInfo(
              KekUris.hex(r.kekRef()),
              uri,
              status,
              WrapAlgorithm.of(r.wrapAlgorithm()),
              r.wrappedKey().length));
    }
    long plaintext = bodyBytes < 0 ? -1 : Bodies.of(header.algorithm).plaintextLength(bodyBytes);
    EnvelopeInfo.Standing standing =
        policy == null ? EnvelopeInfo.Standing.UNRESOLVED : standing(key, infos);
    return new EnvelopeInfo(
        HeaderCodec.FORMAT_VERSION,
        header.algorithm,
        header.logicalKeyId,
        header.context,
        infos,
        header.length,
        bodyBytes,
        plaintext,
        standing);
  }

  /** See {@link EnvelopeInfo.Standing} for the definitions. */
  static EnvelopeInfo.Standing standing(Optional<LogicalKey> key, List<RecipientInfo> recipients) {
    if (key.isEmpty()) {
      return EnvelopeInfo.Standing.NOT_OPENABLE;
    }
    boolean openable = false;
    boolean onlyActive = true;
    java.util.Set<String> covered = new java.util.HashSet<>();
    for (RecipientInfo r : recipients) {
      openable |= r.status() != KekStatus.NOT_IN_POLICY;
      onlyActive &= r.status() == KekStatus.ACTIVE;
      r.kekUri().ifPresent(covered::add);
    }
    if (!openable) {
      return EnvelopeInfo.Standing.NOT_OPENABLE;
    }
    return onlyActive && covered.containsAll(key.get().keks())
        ? EnvelopeInfo.Standing.CURRENT
        : EnvelopeInfo.Standing.NEEDS_REWRAP;
  }
}
