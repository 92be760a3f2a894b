package dev.envelope.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Wycheproof;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The AES-GCM of the A256GCM body (and of Cobblestone's chunks) against Wycheproof's
 * aes_gcm_test.json, for the parameters the format uses: 96-bit nonces and 128-bit tags, every key
 * size the vectors have.
 */
class GcmWycheproofTest {
  @Test
  void sealAndOpenMatchWycheproof() throws Exception {
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (Wycheproof.Case c : Wycheproof.load("aes_gcm_test.json")) {
      if (c.group().get("ivSize").asInt() != 96 || c.group().get("tagSize").asInt() != 128) {
        continue;
      }
      checked++;
      byte[] keyBytes = c.hex("key");
      AesKey key = new AesKey(keyBytes, 0, keyBytes.length);
      byte[] iv = c.hex("iv");
      byte[] aad = c.hex("aad");
      byte[] msg = c.hex("msg");
      byte[] body = concat(iv, c.hex("ct"), c.hex("tag"));
      if (c.result().equals("valid") || c.result().equals("acceptable")) {
        byte[] out = new byte[msg.length + Gcm.OVERHEAD];
        Gcm.encrypt(key, iv, aad, msg, out, 0);
        if (!Arrays.equals(out, body)) {
          failures.add(c + ": seal differs");
        }
        try {
          if (!Arrays.equals(Gcm.decrypt(key, aad, body, 0, body.length), msg)) {
            failures.add(c + ": open differs");
          }
        } catch (AuthenticationException e) {
          failures.add(c + ": valid vector rejected");
        }
      } else {
        try {
          Gcm.decrypt(key, aad, body, 0, body.length);
          failures.add(c + ": invalid vector opened");
        } catch (AuthenticationException expected) {
          // the only accepted failure
        }
      }
    }
    assertThat(checked).isGreaterThan(50);
    assertThat(failures).isEmpty();
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, off, p.length);
      off += p.length;
    }
    return out;
  }
}
