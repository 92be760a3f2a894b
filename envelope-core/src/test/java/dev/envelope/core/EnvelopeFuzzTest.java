package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Coverage-guided fuzzing (Jazzer) of every API that reads an envelope — {@code inspect} in its
 * byte and stream forms, {@code decrypt}, {@code decryptingStream} and both {@code rewrap}s — on
 * one input at a time, against a facade holding the golden KEKs and policy. The corpus starts from
 * the golden envelopes and the campaign's findings ({@code EnvelopeFuzzTestInputs}); in a normal
 * test run it is replayed as regression tests, and the build's {@code fuzz} execution mutates it
 * for a bounded time.
 *
 * <p>Properties, for every input:
 *
 * <ul>
 *   <li>only typed errors ({@link EnvelopeException}) escape, never anything else;
 *   <li>whatever opens, opens to a plaintext that was really sealed (a golden plaintext): never a
 *       different plaintext;
 *   <li>the byte and stream forms agree: the same inspection, the same plaintext or both refused;
 *   <li>rewrap never succeeds on an envelope that decrypt, given the context stored in it, refuses,
 *       and what it writes opens to the same plaintext.
 * </ul>
 */
class EnvelopeFuzzTest {
  private static final Golden GOLDEN = Golden.load();

  @FuzzTest(maxDuration = "60s")
  @DictionaryEntries({"golden-local", "golden-both", "golden-tink", "tenant", "ENV\u0001"})
  void everyApiOnOneInput(byte[] input) {
    Envelope envelope = GOLDEN.envelope;
    KeyPolicy policy = GOLDEN.policy;

    EnvelopeInfo info = typed(() -> Envelope.inspect(input, policy));
    EnvelopeInfo streamedInfo =
        typed(() -> Envelope.inspect(new ByteArrayInputStream(input), policy));
    assertThat(streamedInfo == null).as("inspect byte[] vs stream").isEqualTo(info == null);
    if (info != null) {
      assertThat(streamedInfo.logicalKeyId()).isEqualTo(info.logicalKeyId());
      assertThat(streamedInfo.context()).isEqualTo(info.context());
      assertThat(streamedInfo.recipients()).hasSameSizeAs(info.recipients());
    }
    Map<String, String> context = info == null ? Map.of() : info.context();

    byte[] plaintext = typed(() -> envelope.decrypt(input, context));
    if (plaintext != null) {
      assertThat(GOLDEN.plaintexts)
          .as("decrypt opened to a plaintext nobody sealed")
          .contains(sha256(plaintext));
    }
    byte[] streamed =
        typed(
            () -> {
              try (InputStream in =
                  envelope.decryptingStream(new ByteArrayInputStream(input), context)) {
                return in.readAllBytes();
              }
            });
    assertThat(streamed).as("decryptingStream vs decrypt").isEqualTo(plaintext);

    byte[] rewrapped = typed(() -> envelope.rewrap(input));
    if (rewrapped != null) {
      assertThat(plaintext).as("rewrap succeeded on an envelope decrypt refuses").isNotNull();
      assertThat(envelope.decrypt(rewrapped, context)).isEqualTo(plaintext);
    }
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    Boolean streamRewrapped =
        typed(
            () -> {
              envelope.rewrap(new ByteArrayInputStream(input), sink);
              return Boolean.TRUE;
            });
    assertThat(streamRewrapped != null).as("rewrap stream vs byte[]").isEqualTo(rewrapped != null);
    if (streamRewrapped != null) {
      assertThat(envelope.decrypt(sink.toByteArray(), context)).isEqualTo(plaintext);
    }
  }

  /** The call's result, or null if it failed with a typed error; anything else fails the test. */
  private static <T> T typed(Callable<T> call) {
    try {
      return call.call();
    } catch (EnvelopeException e) {
      assertThat(e.getMessage()).isNotBlank();
      return null;
    } catch (Exception e) {
      throw new AssertionError("an untyped " + e.getClass().getName() + " escaped", e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The golden KEKs (copied to a temporary directory), policy, facade and plaintexts. */
  private static final class Golden {
    final KeyPolicy policy;
    final Envelope envelope;
    final Set<String> plaintexts = new HashSet<>();

    private Golden(KeyPolicy policy, Envelope envelope) {
      this.policy = policy;
      this.envelope = envelope;
    }

    static Golden load() {
      try {
        Path keys = Files.createTempDirectory("envelope-fuzz-keys-");
        keys.toFile().deleteOnExit();
        for (String name : List.of("golden.key", "golden-tink.json")) {
          Path file = keys.resolve(name);
          Files.write(file, read("keys/" + name));
          Files.setPosixFilePermissions(
              file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
          file.toFile().deleteOnExit();
        }
        KeyPolicy policy =
            KeyPolicy.parse(
                new String(read("policy.yaml"), java.nio.charset.StandardCharsets.UTF_8),
                "golden policy.yaml");
        LocalConfig config =
            LocalConfig.builder()
                .provider("local", Map.of("dir", keys.toString()))
                .provider("tink-keyset", Map.of("dir", keys.toString()))
                .build();
        Golden golden =
            new Golden(policy, Envelope.builder().policy(policy).localConfig(config).build());
        List<Map<String, Object>> manifest =
            new ObjectMapper()
                .readValue(
                    read("manifest.json"), new TypeReference<List<Map<String, Object>>>() {});
        for (Map<String, Object> entry : manifest) {
          golden.plaintexts.add(sha256(read((String) entry.get("plaintext"))));
        }
        return golden;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static byte[] read(String name) throws IOException {
      try (InputStream in = EnvelopeFuzzTest.class.getResourceAsStream("/golden/v1/" + name)) {
        if (in == null) {
          throw new IOException("missing test resource /golden/v1/" + name);
        }
        return in.readAllBytes();
      }
    }
  }
}
