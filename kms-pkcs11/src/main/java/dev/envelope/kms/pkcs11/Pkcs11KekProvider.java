package dev.envelope.kms.pkcs11;

import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekDescription;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SharedClients;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Token;
import org.xipki.pkcs11.wrapper.TokenException;

/**
 * The {@code pkcs11://} KEKs: AES-256 keys held in an HSM (or any PKCS#11 token) that wrap data
 * keys with AES-GCM inside the token, so the KEK never leaves it.
 *
 * <p>URIs carry RFC 7512 path attributes: {@code pkcs11://token=LABEL;object=LABEL}, or with {@code
 * serial=}, {@code slot-id=}, {@code id=%01%02}. Settings ({@code providers.pkcs11} in the local
 * config, never in the shared policy):
 *
 * <pre>{@code
 * providers:
 *   pkcs11:
 *     library: /usr/lib/softhsm/libsofthsm2.so   # the vendor's PKCS#11 module (required)
 *     pinFile: /var/run/secrets/hsm/pin          # or pinEnv: HSM_PIN (exactly one)
 *     sessions: 8                                # session pool per token (default 8)
 *     sessionWait: PT10S                         # wait for a free session (default PT10S)
 *     requireNonExtractable: true                # refuse keys that can leave the token
 * }</pre>
 *
 * <p>KEKs of the same token and settings share one logged-in session pool. Found by {@link
 * java.util.ServiceLoader} (module {@code envelope-kms-pkcs11}).
 */
public final class Pkcs11KekProvider implements KekProvider {
  /** The URI scheme served. */
  public static final String SCHEME = "pkcs11";

  private final UnaryOperator<String> environment;
  private final SharedClients<Map<String, Object>, TokenPool> pools =
      new SharedClients<>(TokenPool::close);

  /** A provider reading {@code pinEnv} from the process environment. */
  public Pkcs11KekProvider() {
    this(System::getenv);
  }

  /** For tests: a provider with a given environment. */
  Pkcs11KekProvider(UnaryOperator<String> environment) {
    this.environment = environment;
  }

  @Override
  public Set<String> schemes() {
    return Set.of(SCHEME);
  }

  @Override
  public void validate(String uri) {
    Pkcs11Uri.parse(uri);
  }

  @Override
  public Kek open(String uri, ProviderSettings settings) {
    Pkcs11Uri where = Pkcs11Uri.parse(uri);
    Pkcs11Settings config = Pkcs11Settings.from(settings);
    PKCS11Module module = Pkcs11Library.module(config.library());
    Token token = Pkcs11Library.findToken(module, where, config.library());
    return pools.open(
        config.poolKey(token.getSlot().getSlotID()),
        () -> TokenPool.open(config, token, where, environment),
        (pool, release) -> Pkcs11Kek.open(where, pool, config.requireNonExtractable(), release));
  }

  /**
   * The token (label, slot, serial, model) and the library, the user the PIN logs in as (never the
   * PIN), and the key object: a login and a lookup confirm both. A missing key or a refused PIN is
   * a problem of the description.
   */
  @Override
  public KekDescription describe(String uri, ProviderSettings settings) {
    Pkcs11Uri where;
    Pkcs11Settings config;
    try {
      where = Pkcs11Uri.parse(uri);
      config = Pkcs11Settings.from(settings);
    } catch (RuntimeException e) {
      return KekDescription.unknown("invalid URI or settings: " + e.getMessage());
    }
    Token token;
    try {
      token =
          Pkcs11Library.findToken(Pkcs11Library.module(config.library()), where, config.library());
    } catch (RuntimeException e) {
      return KekDescription.builder("unknown token", "PKCS#11 module " + config.library())
          .problem(e.getMessage())
          .build();
    }
    String label;
    KekDescription.Builder d;
    try {
      var info = token.getTokenInfo();
      label = info.getLabel().trim();
      d =
          KekDescription.builder(
                  Pkcs11Kek.identity(label, token.getSlot().getSlotID()),
                  "PKCS#11 module " + config.library() + ", user PIN from " + config.pinSource())
              .endpoint(config.library().toString())
              .detail("slot", Long.toString(token.getSlot().getSlotID()))
              .detail("serial", info.getSerialNumber().trim())
              .detail("manufacturer", info.getManufacturerID().trim())
              .detail("model", info.getModel().trim());
    } catch (TokenException e) {
      return KekDescription.builder("unknown token", "PKCS#11 module " + config.library())
          .problem("reading the token's info failed: " + e.getMessage())
          .build();
    }
    try (Pkcs11Kek kek = (Pkcs11Kek) open(uri, settings)) {
      d.confirmed(null).keyState(KekDescription.KeyState.ENABLED);
      kek.describeKey(d);
    } catch (RuntimeException e) {
      d.problem(e.getMessage());
    }
    return d.build();
  }

  @Override
  public String toString() {
    return "Pkcs11KekProvider[" + SCHEME + "]";
  }
}
