package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.core.format.EnvelopeHeader;
import dev.envelope.core.format.HeaderCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Envelopes written by the first release of format v1, checked in with their KEKs and plaintexts
 * ({@code src/test/resources/golden/v1}). Every later version must still open them: if this test
 * fails, the change broke the format, not the test.
 */
class GoldenEnvelopeTest {
  private static final String ROOT = "/golden/v1/";

  @Test
  void everyGoldenEnvelopeStillOpens(@TempDir Path keys) throws Exception {
    copy("keys/golden.key", keys.resolve("golden.key"));
    copy("keys/golden-tink.json", keys.resolve("golden-tink.json"));
    KeyPolicy policy =
        KeyPolicy.parse(
            new String(read("policy.yaml"), java.nio.charset.StandardCharsets.UTF_8),
            "golden policy.yaml");
    LocalConfig config =
        LocalConfig.builder()
            .provider("local", Map.of("dir", keys.toString()))
            .provider("tink-keyset", Map.of("dir", keys.toString()))
            .build();
    List<Map<String, Object>> manifest =
        new ObjectMapper()
            .readValue(read("manifest.json"), new TypeReference<List<Map<String, Object>>>() {});
    assertThat(manifest).hasSize(6);
    try (Envelope envelope = Envelope.builder().policy(policy).localConfig(config).build()) {
      for (Map<String, Object> entry : manifest) {
        byte[] sealed = read((String) entry.get("envelope"));
        byte[] plaintext = read((String) entry.get("plaintext"));
        @SuppressWarnings("unchecked")
        Map<String, String> context = (Map<String, String>) entry.get("context");

        assertThat(envelope.decrypt(sealed, context)).as(entry.toString()).isEqualTo(plaintext);
        try (InputStream in =
            envelope.decryptingStream(new ByteArrayInputStream(sealed), context)) {
          assertThat(in.readAllBytes()).as(entry.toString()).isEqualTo(plaintext);
        }
        EnvelopeInfo info = Envelope.inspect(sealed, policy);
        assertThat(info.logicalKeyId()).isEqualTo(entry.get("logicalKey"));
        // Entries written before A256GCM existed carry no algorithm: they are Cobblestone-256.
        assertThat(info.algorithm().label())
            .isEqualTo(entry.getOrDefault("algorithm", "cobblestone-256"));
        assertThat(info.context()).isEqualTo(context);
        assertThat(info.recipients()).hasSize((Integer) entry.get("recipients"));
        assertThat(info.headerBytes()).isEqualTo(entry.get("headerBytes"));
        assertThat(info.plaintextBytes()).isEqualTo(plaintext.length);

        // The header re-encodes to the very bytes on disk: the encoder has not drifted.
        EnvelopeHeader header = HeaderCodec.parse(sealed, EnvelopeLimits.DEFAULTS);
        assertThat(HeaderCodec.encode(header)).isEqualTo(Arrays.copyOf(sealed, header.length));
      }
    }
  }

  private static byte[] read(String name) throws IOException {
    try (InputStream in = GoldenEnvelopeTest.class.getResourceAsStream(ROOT + name)) {
      assertThat(in).as("golden resource " + name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static void copy(String name, Path target) throws IOException {
    Files.write(target, read(name));
  }
}
