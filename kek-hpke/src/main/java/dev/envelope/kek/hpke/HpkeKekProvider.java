package dev.envelope.kek.hpke;

import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekDescription;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SecretFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.hpke.HPKE;

/**
 * The {@code hpke://} KEKs: asymmetric recipients whose public key is the URI itself, so the shared
 * policy is all a cluster needs to seal for them, while only the cluster holding the private key
 * can open. Two suites: {@code hpke://x25519/…} (RFC 9180 DHKEM(X25519)) and {@code hpke://xwing/…}
 * (X-Wing, hybrid ML-KEM-768 + X25519, against "harvest now, decrypt later").
 *
 * <p>Settings ({@code providers.hpke} in the local config): {@code dir}, where this cluster's
 * private keys are ({@code <fingerprint>.key}, 32 bytes, owner-only; default: the working
 * directory). Found by {@link java.util.ServiceLoader} (module {@code envelope-kek-hpke}).
 */
public final class HpkeKekProvider implements KekProvider {
  /** The URI scheme served. */
  public static final String SCHEME = "hpke";

  @Override
  public Set<String> schemes() {
    return Set.of(SCHEME);
  }

  @Override
  public void validate(String uri) {
    HpkePublicKey.parse(uri);
  }

  @Override
  public Kek open(String uri, ProviderSettings settings) {
    settings.allowOnly(Set.of("dir"));
    Path dir = Path.of(settings.get("dir").orElse("."));
    return new HpkeKek(HpkePublicKey.parse(uri), dir);
  }

  /**
   * The public key is the URI, so any cluster can seal; whether this one can open depends on the
   * private key file, which is described (owner, permissions) but not read. Without it the KEK is
   * seal-only here, which is a normal state for a writer cluster.
   */
  @Override
  public KekDescription describe(String uri, ProviderSettings settings) {
    HpkePublicKey key;
    Path dir;
    try {
      key = HpkePublicKey.parse(uri);
      settings.allowOnly(Set.of("dir"));
      dir = Path.of(settings.get("dir").orElse("."));
    } catch (RuntimeException e) {
      return KekDescription.unknown("invalid URI or settings: " + e.getMessage());
    }
    Path privateKey = dir.resolve(key.fingerprint() + ".key").toAbsolutePath().normalize();
    if (!Files.exists(privateKey)) {
      return KekDescription.builder(
              "the public key in the URI (fingerprint " + key.fingerprint() + ")",
              "no private key file here: seal only")
          .keyState(KekDescription.KeyState.ENABLED)
          .keySpec(key.suite().wrapAlgorithm.name())
          .detail("fingerprint", key.fingerprint())
          .detail("privateKeyFile", privateKey + " (absent)")
          .build();
    }
    KekDescription file = SecretFiles.describe(privateKey, "HPKE private key file");
    KekDescription.Builder d =
        KekDescription.builder(file.identity(), "private key file read by this process")
            .keyState(file.keyState())
            .keySpec(key.suite().wrapAlgorithm.name())
            .detail("fingerprint", key.fingerprint());
    if (file.identityConfirmed()) {
      d.confirmed(null);
    }
    file.details().forEach(d::detail);
    file.problems().forEach(d::problem);
    return d.build();
  }

  /**
   * What {@link #generate} made: the URI to paste into the policy and the two files written.
   *
   * @param uri {@code hpke://SUITE/PUBLIC-KEY}
   * @param privateKeyFile {@code <dir>/<fingerprint>.key}, owner-only
   * @param publicKeyFile {@code <dir>/<fingerprint>.pub}, the URI on one line
   */
  public record Generated(
      String uri, String fingerprint, Path privateKeyFile, Path publicKeyFile) {}

  /**
   * Creates a key pair: the private key (owner-only, never overwriting) and a file with the URI.
   *
   * @param suite {@code x25519} or {@code xwing}
   * @param dir the directory for both files (the private one is this cluster's secret)
   * @throws IllegalArgumentException for an unknown suite
   */
  public static Generated generate(String suite, Path dir) throws IOException {
    HpkeSuite s =
        HpkeSuite.byLabel(suite)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "unknown HPKE suite '" + suite + "'; use x25519 or xwing"));
    HPKE hpke = s.hpke();
    AsymmetricCipherKeyPair pair = hpke.generatePrivateKey();
    byte[] secret = hpke.serializePrivateKey(pair.getPrivate());
    try {
      String uri = HpkePublicKey.uri(s, hpke.serializePublicKey(pair.getPublic()));
      String fingerprint = HpkePublicKey.fingerprint(uri);
      Path privateKey = dir.resolve(fingerprint + ".key");
      Path publicKey = dir.resolve(fingerprint + ".pub");
      SecretFiles.writeOwnerOnly(privateKey, secret);
      Files.writeString(publicKey, uri + "\n");
      return new Generated(uri, fingerprint, privateKey, publicKey);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /** The suites {@link #generate} accepts. */
  public static Set<String> suites() {
    return Set.of(HpkeSuite.X25519.label, HpkeSuite.XWING.label);
  }

  @Override
  public String toString() {
    return "HpkeKekProvider["
        + SCHEME
        + ": "
        + String.join(", ", suites()).toLowerCase(Locale.ROOT)
        + "]";
  }
}
