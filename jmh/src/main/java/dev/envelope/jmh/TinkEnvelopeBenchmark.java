package dev.envelope.jmh;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.KmsEnvelopeAead;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Tink's KmsEnvelopeAead (AES-256-GCM data keys) with a local AES-256-GCM Aead standing in for the
 * KMS: a fresh data key and a "KMS" wrap per message, since Tink has no data key cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TinkEnvelopeBenchmark {
  @Param({"64", "1024", "65536", "1048576"})
  int size;

  private static final byte[] AAD = "tenant=acme".getBytes(StandardCharsets.UTF_8);
  private Aead envelope;
  private byte[] plaintext;
  private byte[] sealed;

  @Setup
  public void setUp() throws Exception {
    AeadConfig.register();
    Aead remote =
        KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM, RegistryConfiguration.get())
            .getPrimitive(RegistryConfiguration.get(), Aead.class);
    envelope = KmsEnvelopeAead.create(PredefinedAeadParameters.AES256_GCM, remote);
    plaintext = Payloads.of(size);
    sealed = envelope.encrypt(plaintext, AAD);
  }

  @Benchmark
  public byte[] encrypt() throws Exception {
    return envelope.encrypt(plaintext, AAD);
  }

  @Benchmark
  public byte[] decrypt() throws Exception {
    return envelope.decrypt(sealed, AAD);
  }
}
