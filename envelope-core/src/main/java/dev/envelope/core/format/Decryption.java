package dev.envelope.core.format;

import dev.envelope.core.AuthenticationException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The keys of one message whose data key passed its body's commitment check ({@link Body#check}).
 * Used while the data key's lease is held; what it returns (a stream included) no longer needs it.
 * Every method releases nothing that did not authenticate.
 */
public sealed interface Decryption permits Cobblestone256Body.Keys, A256GcmBody.Keys {
  /**
   * The plaintext of the whole body at {@code body[off, off + len)}.
   *
   * @throws AuthenticationException if any of it does not authenticate
   */
  public byte[] decrypt(byte[] body, int off, int len);

  /** As {@link #decrypt}, keeping nothing: the plaintext is zeroed unseen. */
  public void authenticate(byte[] body, int off, int len);

  /**
   * A stream of the plaintext of {@code start} (as read by {@link Body#readStart}) and then {@code
   * rest}; closing it closes {@code rest}.
   */
  public InputStream decryptingStream(byte[] start, InputStream rest);

  /**
   * Writes the body ({@code start}, then {@code rest}) to {@code sink}, each part only after it
   * authenticated; the plaintext is zeroed unseen.
   *
   * @throws AuthenticationException if any of it does not authenticate (what was written is void)
   */
  public void copyAuthenticated(byte[] start, InputStream rest, OutputStream sink)
      throws IOException;
}
