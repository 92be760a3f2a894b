package dev.envelope.core.internal;

import dev.envelope.core.format.EnvelopeHeader;

/**
 * A parsed header, as the facade's {@link HeaderCache} keeps it, and the data key that last opened
 * an envelope with exactly these header bytes: the same header carries the same wrapped keys, so
 * the same data key. The memo saves the recipient search on the hot path; it is never trusted
 * without the body's own commitment check.
 */
public final class CachedHeader {
  final EnvelopeHeader header;
  volatile DataKey opener;

  CachedHeader(EnvelopeHeader header) {
    this.header = header;
  }

  /** The logical key id the envelope names (not yet checked against any policy). */
  public String logicalKeyId() {
    return header.logicalKeyId;
  }
}
