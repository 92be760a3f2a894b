package dev.envelope.kms.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_CRYPTOKI_ALREADY_INITIALIZED;

import dev.envelope.core.KeyUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.StaticLogger;
import org.xipki.pkcs11.wrapper.Token;
import org.xipki.pkcs11.wrapper.TokenException;
import org.xipki.pkcs11.wrapper.TokenInfo;

/**
 * The PKCS#11 modules this process has loaded, one per library file, and finding a token in one.
 *
 * <p>Process-wide because PKCS#11 is: {@code C_Initialize} may run once per process and library,
 * and a second call fails. Modules stay loaded until the JVM exits ({@code C_Finalize} while
 * another component of the process still uses the library would break it).
 */
final class Pkcs11Library {
  private static final ConcurrentHashMap<Path, PKCS11Module> MODULES = new ConcurrentHashMap<>();

  static {
    // The wrapper prints to stdout unless given a logger; route it to SLF4J before first use.
    StaticLogger.setLogger(new Slf4jWrapperLogger());
  }

  private Pkcs11Library() {}

  /** The initialised module for {@code library}, loading it on first use. */
  static PKCS11Module module(Path library) {
    Path file = library.toAbsolutePath().normalize();
    if (!Files.isRegularFile(file)) {
      throw new KeyUnavailableException(
          "the PKCS#11 library " + file + " does not exist (providers.pkcs11.library)", false);
    }
    return MODULES.computeIfAbsent(file, Pkcs11Library::load);
  }

  private static PKCS11Module load(Path file) {
    PKCS11Module module;
    try {
      module = PKCS11Module.getInstance(file.toString());
    } catch (IOException | RuntimeException | LinkageError e) {
      throw new KeyUnavailableException(
          "the PKCS#11 library " + file + " cannot be loaded: " + e.getClass().getSimpleName(),
          false,
          e);
    }
    try {
      module.initialize();
    } catch (PKCS11Exception e) {
      // Another component of this process (e.g. a SunPKCS11 provider) initialised it already:
      // PKCS#11 allows sharing the initialised library.
      if (e.getErrorCode() != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        throw new KeyUnavailableException(
            "C_Initialize of the PKCS#11 library " + file + " failed: " + e.getErrorName(),
            Pkcs11Errors.retryable(e.getErrorCode()),
            e);
      }
    }
    return module;
  }

  /**
   * The one present token matching the URI's token attributes.
   *
   * @throws KeyUnavailableException if none or several match (the message lists the labels seen)
   */
  static Token findToken(PKCS11Module module, Pkcs11Uri where, Path library) {
    List<Token> matches = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    try {
      for (Slot slot : module.getSlotList(true)) {
        Token token = slot.getToken();
        TokenInfo info = token.getTokenInfo();
        String label = info.getLabel().trim();
        String serial = info.getSerialNumber().trim();
        seen.add("'" + label + "' (slot " + slot.getSlotID() + ")");
        if (!info.isTokenInitialized()) {
          continue;
        }
        boolean match =
            where.tokenLabel().map(label::equals).orElse(true)
                && where.tokenSerial().map(serial::equals).orElse(true)
                && where.slotId().map(id -> id == slot.getSlotID()).orElse(true);
        if (match) {
          matches.add(token);
        }
      }
    } catch (TokenException e) {
      throw Pkcs11Errors.unavailable(where.uri(), "listing the tokens of " + library, e);
    }
    if (matches.size() == 1) {
      return matches.get(0);
    }
    throw new KeyUnavailableException(
        (matches.isEmpty() ? "no initialised token with " : "several tokens with ")
            + where.describeToken()
            + " in "
            + library
            + " for KEK "
            + where.uri()
            + "; tokens present: "
            + (seen.isEmpty() ? "none" : String.join(", ", seen)),
        matches.isEmpty());
  }
}
