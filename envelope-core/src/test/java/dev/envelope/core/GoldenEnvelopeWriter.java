package dev.envelope.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.core.local.TinkKeysetKekProvider;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wrote the golden envelopes of format v1 under {@code src/test/resources/golden/v1} once; they are
 * checked in and must stay readable by every later version ({@link GoldenEnvelopeTest}). Not a
 * test. Run it only to add new golden files for a new format feature, never to regenerate existing
 * ones:
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat cp.txt) dev.envelope.core.GoldenEnvelopeWriter DIR
 * java ... dev.envelope.core.GoldenEnvelopeWriter DIR a256gcm   # appends the A256GCM set (issue 4)
 * </pre>
 */
public final class GoldenEnvelopeWriter {
  private GoldenEnvelopeWriter() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    if (args.length > 1 && args[1].equals("a256gcm")) {
      appendA256gcm(dir);
      return;
    }
    Path keys = dir.resolve("keys");
    Files.createDirectories(keys);
    LocalKekProvider.generate(keys.resolve("golden.key"));
    TinkKeysetKekProvider.generate(keys.resolve("golden-tink.json"));
    String policyYaml =
        """
        version: 1
        keys:
          golden-local:
            keks: [local://golden]
          golden-tink:
            keks: [tink-keyset://golden-tink]
          golden-both:
            keks: [local://golden, tink-keyset://golden-tink]
        """;
    Files.writeString(dir.resolve("policy.yaml"), policyYaml);
    LocalConfig config =
        LocalConfig.builder()
            .provider("local", Map.of("dir", keys.toString()))
            .provider("tink-keyset", Map.of("dir", keys.toString()))
            .build();
    List<Map<String, Object>> manifest = new ArrayList<>();
    try (Envelope e =
        Envelope.builder()
            .policy(KeyPolicy.parse(policyYaml, "policy.yaml"))
            .localConfig(config)
            .build()) {
      write(dir, manifest, e, "empty", "golden-local", new byte[0], Map.of(), false);
      write(
          dir,
          manifest,
          e,
          "hello",
          "golden-both",
          "hello, format v1\n".getBytes(StandardCharsets.UTF_8),
          Map.of("tenant", "acme", "purpose", "golden"),
          false);
      write(dir, manifest, e, "chunks", "golden-tink", pattern(40_000), Map.of(), false);
      write(
          dir,
          manifest,
          e,
          "exact-chunk",
          "golden-both",
          pattern(16_384),
          Map.of("ü", "ßpecial ✓"),
          true);
    }
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(dir.resolve("manifest.json").toFile(), manifest);
  }

  /** Adds A256GCM envelopes (byte[] API) under the existing golden keys and policy. */
  private static void appendA256gcm(Path dir) throws Exception {
    Path keys = dir.resolve("keys");
    LocalConfig config =
        LocalConfig.builder()
            .provider("local", Map.of("dir", keys.toString()))
            .provider("tink-keyset", Map.of("dir", keys.toString()))
            .build();
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> manifest =
        new ArrayList<>(json.readValue(dir.resolve("manifest.json").toFile(), List.class));
    try (Envelope e =
        Envelope.builder()
            .policy(KeyPolicy.load(dir.resolve("policy.yaml")))
            .localConfig(config)
            .build()) {
      write(dir, manifest, e, "gcm-empty", "golden-local", new byte[0], Map.of(), false);
      write(
          dir,
          manifest,
          e,
          "gcm-hello",
          "golden-both",
          "hello, a256gcm\n".getBytes(StandardCharsets.UTF_8),
          Map.of("tenant", "acme"),
          false);
    }
    json.writeValue(dir.resolve("manifest.json").toFile(), manifest);
  }

  static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i % 251);
    }
    return b;
  }

  private static void write(
      Path dir,
      List<Map<String, Object>> manifest,
      Envelope e,
      String name,
      String key,
      byte[] plaintext,
      Map<String, String> context,
      boolean stream)
      throws Exception {
    byte[] sealed;
    if (stream) {
      ByteArrayOutputStream sink = new ByteArrayOutputStream();
      try (OutputStream out = e.encryptingStream(key, sink, context)) {
        out.write(plaintext);
      }
      sealed = sink.toByteArray();
    } else {
      sealed = e.encrypt(key, plaintext, context);
    }
    Files.write(dir.resolve(name + ".env"), sealed);
    Files.write(dir.resolve(name + ".plain"), plaintext);
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("envelope", name + ".env");
    entry.put("plaintext", name + ".plain");
    entry.put("logicalKey", key);
    entry.put("context", context);
    entry.put("algorithm", Envelope.inspect(sealed).algorithm().label());
    entry.put("recipients", Envelope.inspect(sealed).recipients().size());
    entry.put("headerBytes", Envelope.inspect(sealed).headerBytes());
    manifest.add(entry);
  }
}
