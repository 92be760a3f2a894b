package dev.envelope.jmh;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The ceiling: the JDK's AES-256-GCM with one key, a fresh random 96-bit IV per message and a
 * cipher per thread. No key management, no format.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RawJceBenchmark {
  @Param({"64", "1024", "65536", "1048576"})
  int size;

  private final SecureRandom random = new SecureRandom();
  private SecretKeySpec key;
  private Cipher cipher;
  private byte[] plaintext;
  private byte[] iv;
  private byte[] ciphertext;

  @Setup
  public void setUp() throws Exception {
    byte[] k = new byte[32];
    random.nextBytes(k);
    key = new SecretKeySpec(k, "AES");
    cipher = Cipher.getInstance("AES/GCM/NoPadding");
    plaintext = Payloads.of(size);
    iv = new byte[12];
    random.nextBytes(iv);
    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
    ciphertext = cipher.doFinal(plaintext);
  }

  @Benchmark
  public byte[] encrypt() throws Exception {
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
    return cipher.doFinal(plaintext);
  }

  /**
   * The honest ceiling (issue 20): the same, with the nonce from the kind of source Envelope uses —
   * a per-thread SP 800-90A DRBG, buffered ({@code Randoms.publicValue}) — rather than a {@code
   * SecureRandom} per benchmark thread, so that no ratio is flattered by a slow baseline.
   */
  @Benchmark
  public byte[] encryptDrbgNonce() throws Exception {
    byte[] nonce = new byte[12];
    dev.envelope.core.format.Randoms.publicValue(nonce);
    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
    return cipher.doFinal(plaintext);
  }

  @Benchmark
  public byte[] decrypt() throws Exception {
    cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, iv));
    return cipher.doFinal(ciphertext);
  }
}
