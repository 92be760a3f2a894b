package dev.envelope.core.format;

import dev.envelope.core.spi.SecretBytes;
import java.util.Arrays;

/**
 * What the bodies derive from one data key, once: the Cobblestone-256 HKDF-Expand PRF with its HMAC
 * states prepared, and the A256GCM subkey and key commitment (FORMAT.md §4). Deriving them per data
 * key rather than per message is most of what makes a small message cheap.
 */
public final class DerivedKeys {
  public final KeyedHmac prf;
  public final Gcm.Subkey gcm;

  private DerivedKeys(KeyedHmac prf, Gcm.Subkey gcm) {
    this.prf = prf;
    this.gcm = gcm;
  }

  /** Derives the keys of a 32-byte data key. */
  public static DerivedKeys of(SecretBytes dataKey) {
    byte[] raw = dataKey.toByteArray();
    try {
      KeyedHmac prf = Cobblestone.prf(raw);
      return new DerivedKeys(prf, Gcm.subkey(prf));
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  /** Zeroes what can be zeroed; the caller guarantees no use follows. */
  public void destroy() {
    prf.destroy();
    gcm.key().destroy();
    Arrays.fill(gcm.commitment(), (byte) 0);
  }

  @Override
  public String toString() {
    return "DerivedKeys[...]";
  }
}
