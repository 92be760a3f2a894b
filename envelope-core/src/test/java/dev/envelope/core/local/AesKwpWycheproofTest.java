package dev.envelope.core.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Wycheproof;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The local KEK's AES-KWP (RFC 5649) against every Wycheproof aes_kwp vector: wrap and unwrap. */
class AesKwpWycheproofTest {
  @Test
  void wrapAndUnwrapMatchWycheproof() throws Exception {
    List<String> failures = new ArrayList<>();
    int valid = 0;
    for (Wycheproof.Case c : Wycheproof.load("aes_kwp_test.json")) {
      byte[] kek = c.hex("key");
      byte[] msg = c.hex("msg");
      byte[] ct = c.hex("ct");
      if (c.result().equals("valid")) {
        valid++;
        if (!Arrays.equals(AesKwp.wrap(kek, msg), ct)) {
          failures.add(c + ": wrap differs");
        }
        try {
          if (!Arrays.equals(AesKwp.unwrap(kek, ct, "local://test"), msg)) {
            failures.add(c + ": unwrap differs");
          }
        } catch (AuthenticationException e) {
          failures.add(c + ": valid vector rejected");
        }
      } else {
        try {
          AesKwp.unwrap(kek, ct, "local://test");
          failures.add(c + ": invalid vector unwrapped");
        } catch (AuthenticationException expected) {
          // the only accepted failure type
        }
      }
    }
    assertThat(valid).isGreaterThan(10);
    assertThat(failures).isEmpty();
  }
}
