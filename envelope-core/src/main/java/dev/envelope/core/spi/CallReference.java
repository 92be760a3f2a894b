package dev.envelope.core.spi;

import dev.envelope.core.internal.CallReferences;

/**
 * Lets a KEK name the service's own record of the call it is making, so that an audit event can be
 * matched with the KMS's log: the AWS request id, Key Vault's {@code x-ms-request-id}, the Cloud
 * KMS key version that answered. Call {@link #record} from {@link Kek#wrap} or {@link Kek#unwrap}
 * (on the thread that runs it), once the answer or the service's error is in; calls elsewhere are
 * ignored. The reference must not be secret: it is written to the audit trail as it is.
 */
public final class CallReference {
  /** The longest reference kept; a longer one is cut. */
  public static final int MAX_CHARS = 256;

  private CallReference() {}

  /** Records the service's reference for the KEK call in progress on this thread. */
  public static void record(String reference) {
    if (reference != null && !reference.isBlank()) {
      CallReferences.record(
          reference.length() > MAX_CHARS ? reference.substring(0, MAX_CHARS) : reference);
    }
  }
}
