package dev.envelope.kms.pkcs11;

import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.ProviderSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * This cluster's {@code providers.pkcs11} settings: which PKCS#11 library, where the PIN is, how
 * many sessions. Validated when a KEK is opened; errors name the field.
 *
 * @param library path of the PKCS#11 module ({@code .so}/{@code .dll}) of the HSM vendor
 * @param pinFile file holding the user PIN (a mounted Kubernetes secret), or null
 * @param pinEnv name of the environment variable holding the user PIN, or null
 * @param sessions size of the session pool per token: concurrent wraps/unwraps in flight
 * @param sessionWait how long an operation waits for a free session before failing (retryable)
 * @param requireNonExtractable refuse a KEK the token would let out ({@code CKA_EXTRACTABLE} true
 *     or {@code CKA_SENSITIVE} false)
 */
record Pkcs11Settings(
    Path library,
    Path pinFile,
    String pinEnv,
    int sessions,
    Duration sessionWait,
    boolean requireNonExtractable) {
  static final int DEFAULT_SESSIONS = 8;
  static final Duration DEFAULT_SESSION_WAIT = Duration.ofSeconds(10);

  /** A PIN is short; anything longer is not a PIN file and is not read into memory. */
  private static final int MAX_PIN_BYTES = 256;

  static Pkcs11Settings from(ProviderSettings settings) {
    settings.allowOnly(
        Set.of("library", "pinFile", "pinEnv", "sessions", "sessionWait", "requireNonExtractable"));
    Path library =
        settings
            .get("library")
            .map(Path::of)
            .orElseThrow(
                () ->
                    settings.invalid(
                        "library",
                        "required: the path of the HSM's PKCS#11 module, e.g."
                            + " /usr/lib/softhsm/libsofthsm2.so"));
    Path pinFile = settings.get("pinFile").map(Path::of).orElse(null);
    String pinEnv = settings.get("pinEnv").orElse(null);
    if ((pinFile == null) == (pinEnv == null)) {
      throw settings.invalid(
          pinFile == null ? "pinFile" : "pinEnv",
          "set exactly one of pinFile (a file holding the user PIN) or pinEnv (the name of an"
              + " environment variable holding it)");
    }
    int sessions = settings.integer("sessions", DEFAULT_SESSIONS, 1, 1024);
    // The wrapper library polls for a session in steps and needs at least one second.
    Duration wait = settings.duration("sessionWait", DEFAULT_SESSION_WAIT, Duration.ofMinutes(10));
    if (wait.compareTo(Duration.ofSeconds(1)) < 0) {
      throw settings.invalid("sessionWait", "must be at least PT1S");
    }
    boolean strict = settings.bool("requireNonExtractable", true);
    return new Pkcs11Settings(library, pinFile, pinEnv, sessions, wait, strict);
  }

  /** Identifies the PIN's source in messages without showing the PIN. */
  String pinSource() {
    return pinFile != null ? "pinFile " + pinFile : "environment variable " + pinEnv;
  }

  /**
   * Reads the PIN now (so a rotated secret is picked up when a KEK is reopened). One trailing line
   * break is dropped: {@code echo 1234 > pin} and Kubernetes secrets written from shells add one.
   *
   * @param environment the process environment (a parameter so tests can supply one)
   */
  char[] readPin(UnaryOperator<String> environment) {
    byte[] raw;
    if (pinFile != null) {
      raw = readBounded(pinFile);
    } else {
      String value = environment.apply(pinEnv);
      if (value == null || value.isEmpty()) {
        throw new KeyUnavailableException(
            "the PKCS#11 PIN environment variable " + pinEnv + " is not set", false);
      }
      raw = value.getBytes(StandardCharsets.UTF_8);
    }
    try {
      int end = raw.length;
      if (end > 0 && raw[end - 1] == '\n') {
        end--;
        if (end > 0 && raw[end - 1] == '\r') {
          end--;
        }
      }
      if (end == 0) {
        throw new KeyUnavailableException(
            "the PKCS#11 PIN from " + pinSource() + " is empty", false);
      }
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(raw, 0, end));
      char[] pin = new char[chars.remaining()];
      chars.get(pin);
      Arrays.fill(chars.array(), '\0');
      return pin;
    } catch (CharacterCodingException e) {
      throw new KeyUnavailableException(
          "the PKCS#11 PIN from " + pinSource() + " is not UTF-8 text", false);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  private static byte[] readBounded(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] raw = in.readNBytes(MAX_PIN_BYTES + 1);
      if (raw.length > MAX_PIN_BYTES) {
        Arrays.fill(raw, (byte) 0);
        throw new KeyUnavailableException(
            "the PKCS#11 PIN file "
                + file
                + " is longer than "
                + MAX_PIN_BYTES
                + " bytes; it should hold only the PIN",
            false);
      }
      return raw;
    } catch (NoSuchFileException e) {
      throw new KeyUnavailableException("the PKCS#11 PIN file " + file + " does not exist", false);
    } catch (IOException e) {
      throw new KeyUnavailableException(
          "the PKCS#11 PIN file " + file + " cannot be read: " + e.getClass().getSimpleName(),
          false);
    }
  }

  /** Which token pool these settings open: the same library and PIN source share sessions. */
  Map<String, Object> poolKey(long slotId) {
    return Map.of(
        "library",
        library.toAbsolutePath().normalize().toString(),
        "slot",
        slotId,
        "pin",
        pinSource(),
        "sessions",
        sessions);
  }
}
