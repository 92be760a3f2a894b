package dev.envelope.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.MalformedEnvelopeException;
import dev.envelope.core.Wycheproof;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.Test;

/**
 * Cobblestone-256 against Wycheproof's c2sp_chunked_encryption_aes_256_gcm vectors: whole-message
 * decryption, streaming decryption (no bytes beyond the valid prefix, and an error that repeats),
 * and encryption with the vector's salt reproducing the ciphertext exactly.
 */
class CobblestoneWycheproofTest {
  private static final String FILE = "c2sp_chunked_encryption_aes_256_gcm_test.json";

  @Test
  void allVectorsDecryptAsSpecified() throws Exception {
    List<String> failures = new ArrayList<>();
    int valid = 0;
    for (Wycheproof.Case c : Wycheproof.load(FILE)) {
      byte[] key = c.hex("key");
      byte[] ctx = c.hex("ctx");
      byte[] ct = inflate(c.hex("ct"));
      byte[] plaintext = null;
      RuntimeException error = null;
      try {
        plaintext = decryptWhole(key, ctx, ct);
      } catch (RuntimeException e) {
        error = e;
      }
      if (c.result().equals("valid")) {
        valid++;
        if (error != null) {
          failures.add(c + ": valid vector failed: " + error);
        } else if (!matches(c, plaintext)) {
          failures.add(c + ": wrong plaintext");
        }
      } else if (error == null) {
        failures.add(c + ": invalid vector decrypted");
      } else if (!(error instanceof AuthenticationException
          || error instanceof MalformedEnvelopeException
          || (error instanceof IllegalArgumentException && c.hasFlag("InvalidKeySize")))) {
        failures.add(c + ": untyped error " + error);
      }
    }
    assertThat(valid).isGreaterThan(5);
    assertThat(failures).isEmpty();
  }

  @Test
  void streamingDecryptionReleasesNoMoreThanTheValidPrefixAndKeepsFailing() throws Exception {
    List<String> failures = new ArrayList<>();
    for (Wycheproof.Case c : Wycheproof.load(FILE)) {
      if (c.hasFlag("InvalidKeySize")) {
        continue;
      }
      byte[] key = c.hex("key");
      byte[] ctx = c.hex("ctx");
      byte[] ct = inflate(c.hex("ct"));
      ByteArrayOutputStream released = new ByteArrayOutputStream();
      RuntimeException error = null;
      InputStream in = null;
      try {
        in = openStream(key, ctx, ct);
        byte[] buf = new byte[7000];
        int n;
        while ((n = in.read(buf)) >= 0) {
          released.write(buf, 0, n);
        }
      } catch (RuntimeException e) {
        error = e;
      }
      byte[] out = released.toByteArray();
      if (c.result().equals("valid")) {
        if (error != null || !matches(c, out)) {
          failures.add(c + ": valid vector failed in streaming: " + error);
        }
        continue;
      }
      if (error == null) {
        failures.add(c + ": invalid vector streamed to end of data");
        continue;
      }
      if (c.hasFlag("PartialPlaintext")) {
        long prefix = c.test().get("msgLength").asLong();
        if (out.length > prefix || (out.length == prefix && !matches(c, out))) {
          failures.add(c + ": released " + out.length + " bytes, valid prefix is " + prefix);
        }
      } else if (out.length != 0) {
        failures.add(c + ": released " + out.length + " bytes of an invalid message");
      }
      if (in != null) {
        try {
          in.read(new byte[16]);
          failures.add(c + ": a read after the error succeeded");
        } catch (AuthenticationException expected) {
          // keeps failing
        }
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void encryptionWithTheVectorSaltReproducesTheCiphertext() throws Exception {
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (Wycheproof.Case c : Wycheproof.load(FILE)) {
      if (!c.result().equals("valid")) {
        continue;
      }
      byte[] key = c.hex("key");
      byte[] ctx = c.hex("ctx");
      byte[] ct = inflate(c.hex("ct"));
      byte[] plaintext = decryptWhole(key, ctx, ct);
      byte[] salt = Arrays.copyOf(ct, Cobblestone.SALT_BYTES);
      byte[] again = Cobblestone.encrypt(key, salt, ctx, plaintext);
      checked++;
      if (!Arrays.equals(again, ct)) {
        failures.add(c + ": re-encryption differs");
      }
      if (Cobblestone.plaintextLength(ct.length) != plaintext.length
          || Cobblestone.bodyLength(plaintext.length) != ct.length) {
        failures.add(c + ": length formulas disagree");
      }
    }
    assertThat(checked).isGreaterThan(5);
    assertThat(failures).isEmpty();
  }

  static byte[] decryptWhole(byte[] key, byte[] ctx, byte[] ct) {
    if (ct.length < Cobblestone.PREFIX_BYTES) {
      throw new MalformedEnvelopeException("shorter than salt and commitment");
    }
    Cobblestone.MessageKeys keys = Cobblestone.deriveAndCheck(key, ctx, ct, 0);
    if (keys == null) {
      throw new AuthenticationException("commitment mismatch");
    }
    return Cobblestone.decryptChunks(keys, ct, 0, ct.length);
  }

  private static InputStream openStream(byte[] key, byte[] ctx, byte[] ct) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(ct);
    byte[] prefix = in.readNBytes(Cobblestone.PREFIX_BYTES);
    if (prefix.length < Cobblestone.PREFIX_BYTES) {
      throw new MalformedEnvelopeException("shorter than salt and commitment");
    }
    Cobblestone.MessageKeys keys = Cobblestone.deriveAndCheck(key, ctx, prefix, 0);
    if (keys == null) {
      throw new AuthenticationException("commitment mismatch");
    }
    return new DecryptingInputStream(in, keys);
  }

  private static boolean matches(Wycheproof.Case c, byte[] plaintext) throws Exception {
    return plaintext.length == c.test().get("msgLength").asLong()
        && Arrays.equals(sha512(plaintext), c.hex("msgSha512"));
  }

  private static byte[] sha512(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-512").digest(b);
  }

  static byte[] inflate(byte[] zlib) throws IOException {
    try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(zlib))) {
      return in.readAllBytes();
    }
  }
}
