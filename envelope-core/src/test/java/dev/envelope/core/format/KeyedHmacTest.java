package dev.envelope.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.Wycheproof;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * HKDF-Expand ({@link KeyedHmac#expand}) against Wycheproof's HKDF-SHA256 vectors: OKM =
 * Expand(Extract(salt, ikm), info), with Extract computed here as HMAC(salt, ikm) per RFC 5869
 * §2.2. Cobblestone uses the same code with SHA-512.
 */
class KeyedHmacTest {
  @net.jqwik.api.Property(tries = 300)
  void macEqualsTheJdkHmac(
      @net.jqwik.api.ForAll byte[] key,
      @net.jqwik.api.ForAll byte[] a,
      @net.jqwik.api.ForAll byte[] b,
      @net.jqwik.api.ForAll boolean sha512)
      throws Exception {
    String jdk = sha512 ? "HmacSHA512" : "HmacSHA256";
    byte[] k = key.length == 0 ? new byte[] {1} : key;
    Mac mac = Mac.getInstance(jdk);
    mac.init(new SecretKeySpec(k, jdk));
    mac.update(a);
    mac.update(b);
    KeyedHmac ours = new KeyedHmac(sha512 ? "SHA-512" : "SHA-256", k);
    byte[] out = new byte[ours.length()];
    ours.mac(a, b, new byte[0], out, 0);
    assertThat(out).isEqualTo(mac.doFinal());
  }

  @Test
  void expandMatchesWycheproofHkdfSha256() throws Exception {
    List<String> failures = new ArrayList<>();
    for (Wycheproof.Case c : Wycheproof.load("hkdf_sha256_test.json")) {
      byte[] salt = c.hex("salt");
      Mac extract = Mac.getInstance("HmacSHA256");
      extract.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
      byte[] prk = extract.doFinal(c.hex("ikm"));
      int size = c.test().get("size").asInt();
      try {
        byte[] okm = new KeyedHmac("SHA-256", prk).expand(c.hex("info"), size);
        if (c.result().equals("invalid")) {
          failures.add(c + ": invalid size accepted");
        } else if (!Arrays.equals(okm, c.hex("okm"))) {
          failures.add(c + ": wrong OKM");
        }
      } catch (IllegalArgumentException e) {
        if (!c.result().equals("invalid")) {
          failures.add(c + ": rejected: " + e.getMessage());
        }
      }
    }
    assertThat(failures).isEmpty();
  }
}
