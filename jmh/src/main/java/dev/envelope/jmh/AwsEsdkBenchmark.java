package dev.envelope.jmh;

import com.amazonaws.encryptionsdk.AwsCrypto;
import com.amazonaws.encryptionsdk.CommitmentPolicy;
import com.amazonaws.encryptionsdk.CryptoAlgorithm;
import com.amazonaws.encryptionsdk.CryptoMaterialsManager;
import com.amazonaws.encryptionsdk.caching.CachingCryptoMaterialsManager;
import com.amazonaws.encryptionsdk.caching.LocalCryptoMaterialsCache;
import com.amazonaws.encryptionsdk.jce.JceMasterKey;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * The AWS Encryption SDK for Java 3.0.2 with a raw AES master key and its caching materials
 * manager: the default suite (key commitment + ECDSA P-384 signature per message) and the
 * committing suite without signature.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AwsEsdkBenchmark {
  @Param({"64", "1024", "65536", "1048576"})
  int size;

  @Param({"committing", "default"})
  String suite;

  private static final Map<String, String> CONTEXT = Map.of("tenant", "acme");
  private AwsCrypto crypto;
  private CryptoMaterialsManager cmm;
  private byte[] plaintext;
  private byte[] sealed;

  @Setup
  public void setUp() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    JceMasterKey masterKey =
        JceMasterKey.getInstance(new SecretKeySpec(k, "AES"), "bench", "key", "AES/GCM/NoPadding");
    cmm =
        CachingCryptoMaterialsManager.newBuilder()
            .withMasterKeyProvider(masterKey)
            .withCache(new LocalCryptoMaterialsCache(100))
            .withMaxAge(1, TimeUnit.HOURS)
            .withMessageUseLimit(1L << 31)
            .build();
    AwsCrypto.Builder builder =
        AwsCrypto.builder().withCommitmentPolicy(CommitmentPolicy.RequireEncryptRequireDecrypt);
    if (suite.equals("committing")) {
      builder.withEncryptionAlgorithm(CryptoAlgorithm.ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY);
    }
    crypto = builder.build();
    plaintext = Payloads.of(size);
    sealed = crypto.encryptData(cmm, plaintext, CONTEXT).getResult();
  }

  @Benchmark
  public byte[] encrypt() {
    return crypto.encryptData(cmm, plaintext, CONTEXT).getResult();
  }

  @Benchmark
  public byte[] decrypt() {
    return crypto.decryptData(cmm, sealed).getResult();
  }
}
