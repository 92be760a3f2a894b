package dev.envelope.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The keys of one message whose data key passed its body's commitment check ({@link Body#check}).
 * Used while the data key's lease is held; what it returns (a stream included) no longer needs it.
 * Every method releases nothing that did not authenticate.
 */
sealed interface Decryption permits Cobblestone256Body.Keys, A256GcmBody.Keys {
  /**
   * The plaintext of the whole body at {@code body[off, off + len)}.
   *
   * @throws AuthenticationException if any of it does not authenticate
   */
  byte[] decrypt(byte[] body, int off, int len);

  /** As {@link #decrypt}, keeping nothing: the plaintext is zeroed unseen. */
  void authenticate(byte[] body, int off, int len);

  /**
   * A stream of the plaintext of {@code start} (as read by {@link Body#readStart}) and then {@code
   * rest}; closing it closes {@code rest}.
   */
  InputStream decryptingStream(byte[] start, InputStream rest);

  /**
   * Writes the body ({@code start}, then {@code rest}) to {@code sink}, each part only after it
   * authenticated; the plaintext is zeroed unseen.
   *
   * @throws AuthenticationException if any of it does not authenticate (what was written is void)
   */
  void copyAuthenticated(byte[] start, InputStream rest, OutputStream sink) throws IOException;
}
