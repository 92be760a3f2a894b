package dev.envelope.jmh;

import com.amazonaws.encryptionsdk.AwsCrypto;
import com.amazonaws.encryptionsdk.CommitmentPolicy;
import com.amazonaws.encryptionsdk.CryptoAlgorithm;
import com.amazonaws.encryptionsdk.jce.JceMasterKey;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.KmsEnvelopeAead;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns JMH JSON results into the Markdown tables of {@code jmh/RESULTS.md}: ops/s, MB/s and the
 * ratio to raw JCE AES-GCM at the same size, operation, thread count and JDK, measured in the same
 * run; then the envelope overhead of each library at 1 KiB. Usage: {@code Report OUT.md
 * RESULT.json...}.
 */
public final class Report {
  private Report() {}

  private record Row(String jdk, int threads, String impl, String op, int size, double ops) {}

  public static void main(String[] args) throws Exception {
    List<Row> rows = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (int i = 1; i < args.length; i++) {
      for (JsonNode r : json.readTree(Path.of(args[i]).toFile())) {
        String[] name = r.get("benchmark").asText().replace("dev.envelope.jmh.", "").split("\\.");
        JsonNode params = r.get("params");
        String impl =
            switch (name[0]) {
              case "RawJceBenchmark" -> "raw JCE AES-256-GCM";
              case "EnvelopeBenchmark" ->
                  switch (name[1]) {
                    case "encryptNoCache" -> "Envelope, no DEK cache";
                    case "streamEncrypt", "streamDecrypt" -> "Envelope stream (Cobblestone)";
                    default -> "Envelope byte[] (A256GCM), warm cache";
                  };
              case "AwsEsdkBenchmark" ->
                  "AWS ESDK 3.0.2, " + params.get("suite").asText() + " suite, caching CMM";
              case "TinkEnvelopeBenchmark" -> "Tink KmsEnvelopeAead";
              default -> name[0];
            };
        String op = name[1].toLowerCase(Locale.ROOT).contains("decrypt") ? "decrypt" : "encrypt";
        String jdk = r.get("jdkVersion").asText();
        int threads = r.get("threads").asInt();
        int size = params.get("size").asInt();
        if (rows.stream()
            .anyMatch(
                x ->
                    x.jdk.equals(jdk)
                        && x.threads == threads
                        && x.impl.equals(impl)
                        && x.op.equals(op)
                        && x.size == size)) {
          continue; // a parameter listed twice: keep the first measurement
        }
        rows.add(
            new Row(
                r.get("jdkVersion").asText(),
                r.get("threads").asInt(),
                impl,
                op,
                params.get("size").asInt(),
                r.get("primaryMetric").get("score").asDouble()));
      }
    }
    try (PrintStream out =
        new PrintStream(Files.newOutputStream(Path.of(args[0])), true, "UTF-8")) {
      Map<String, List<Row>> byRun = new TreeMap<>();
      for (Row r : rows) {
        byRun
            .computeIfAbsent(
                "JDK " + r.jdk + ", " + r.threads + " thread" + (r.threads > 1 ? "s" : ""),
                k -> new ArrayList<>())
            .add(r);
      }
      for (Map.Entry<String, List<Row>> run : byRun.entrySet()) {
        out.println("### " + run.getKey());
        out.println();
        out.println("| size | op | implementation | ops/s | MB/s | vs raw JCE |");
        out.println("| ---: | --- | --- | ---: | ---: | ---: |");
        List<Row> list = run.getValue();
        list.sort(
            (a, b) ->
                a.size != b.size
                    ? Integer.compare(a.size, b.size)
                    : !a.op.equals(b.op) ? b.op.compareTo(a.op) : a.impl.compareTo(b.impl));
        for (Row r : list) {
          Row raw =
              list.stream()
                  .filter(x -> x.impl.startsWith("raw") && x.op.equals(r.op) && x.size == r.size)
                  .findFirst()
                  .orElse(null);
          out.printf(
              Locale.ROOT,
              "| %s | %s | %s | %,.0f | %,.1f | %s |%n",
              human(r.size),
              r.op,
              r.impl,
              r.ops,
              r.ops * r.size / 1e6,
              raw == null ? "" : String.format(Locale.ROOT, "%.1f %%", 100 * r.ops / raw.ops));
        }
        out.println();
      }
      out.println("### Envelope overhead at 1 KiB (bytes added to the plaintext)");
      out.println();
      out.println("| implementation | overhead |");
      out.println("| --- | ---: |");
      for (Map.Entry<String, Integer> e : overheads().entrySet()) {
        out.printf("| %s | %d |%n", e.getKey(), e.getValue());
      }
    }
  }

  private static String human(int size) {
    return size >= 1 << 20
        ? (size >> 20) + " MiB"
        : size >= 1024 ? (size >> 10) + " KiB" : size + " B";
  }

  private static Map<String, Integer> overheads() throws Exception {
    Map<String, Integer> out = new TreeMap<>();
    byte[] plaintext = new byte[1024];
    Path dir = Files.createTempDirectory("envelope-overhead-");
    LocalKekProvider.generate(dir.resolve("k.key"));
    LocalConfig config =
        LocalConfig.builder().provider("local", Map.of("dir", dir.toString())).build();
    KeyPolicy policy =
        KeyPolicy.builder()
            .key("payments", List.of("local://k"), List.of())
            .key("kms", List.of("kms-sized://k"), List.of())
            .build();
    try (Envelope e =
        Envelope.builder()
            .policy(policy)
            .localConfig(config)
            .provider(new KmsSizedProvider())
            .build()) {
      out.put(
          "Envelope A256GCM, one local KEK",
          e.encrypt("payments", plaintext, Map.of()).length - 1024);
      ByteArrayOutputStream s = new ByteArrayOutputStream();
      try (OutputStream o = e.encryptingStream("payments", s, Map.of())) {
        o.write(plaintext);
      }
      out.put("Envelope Cobblestone-256, one local KEK", s.size() - 1024);
      out.put(
          "Envelope A256GCM, one AWS-KMS-sized wrapped key (170 B)",
          e.encrypt("kms", plaintext, Map.of()).length - 1024);
    } finally {
      Files.deleteIfExists(dir.resolve("k.key"));
      Files.deleteIfExists(dir);
    }
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    JceMasterKey mk =
        JceMasterKey.getInstance(new SecretKeySpec(k, "AES"), "bench", "key", "AES/GCM/NoPadding");
    for (CryptoAlgorithm alg :
        List.of(
            CryptoAlgorithm.ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
            CryptoAlgorithm.ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384)) {
      AwsCrypto c =
          AwsCrypto.builder()
              .withCommitmentPolicy(CommitmentPolicy.RequireEncryptRequireDecrypt)
              .withEncryptionAlgorithm(alg)
              .build();
      out.put(
          "AWS ESDK " + alg.name() + ", raw AES key",
          c.encryptData(mk, plaintext).getResult().length - 1024);
    }
    AeadConfig.register();
    Aead remote =
        KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM, RegistryConfiguration.get())
            .getPrimitive(RegistryConfiguration.get(), Aead.class);
    out.put(
        "Tink KmsEnvelopeAead (local AEAD as KMS)",
        KmsEnvelopeAead.create(PredefinedAeadParameters.AES256_GCM, remote)
                .encrypt(plaintext, new byte[0])
                .length
            - 1024);
    return out;
  }

  /**
   * Wraps into 170-byte blobs, the size of an AWS KMS ciphertext blob: for the overhead table only.
   */
  private static final class KmsSizedProvider implements KekProvider {
    @Override
    public Set<String> schemes() {
      return Set.of("kms-sized");
    }

    @Override
    public Kek open(String uri, ProviderSettings settings) {
      return new Kek() {
        @Override
        public String uri() {
          return uri;
        }

        @Override
        public WrapAlgorithm algorithm() {
          return new WrapAlgorithm(63, "SIZED");
        }

        @Override
        public byte[] wrap(SecretBytes dataKey, WrapContext context) {
          return new byte[170];
        }

        @Override
        public SecretBytes unwrap(byte[] wrappedKey, WrapContext context) {
          throw new UnsupportedOperationException("overhead only");
        }
      };
    }
  }
}
