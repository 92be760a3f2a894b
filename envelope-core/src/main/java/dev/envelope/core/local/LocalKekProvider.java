package dev.envelope.core.local;

import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.SecretFiles;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;

/**
 * The {@code local://NAME} KEK: a 256-bit AES key in the file {@code <dir>/NAME.key} (32 raw bytes,
 * owner-only), wrapping data keys with AES-KWP (RFC 5649). Meant for development, tests and
 * single-cluster set-ups; the key file is a secret to be mounted like any other.
 *
 * <p>Settings ({@code providers.local} in the local config): {@code dir}, the key directory
 * (default: the working directory). Always registered; needs no configuration.
 *
 * <p>AES-KWP has no associated data, so this wrap does not bind the logical key id; the envelope
 * body authenticates it instead ({@code docs/FORMAT.md} §5.1).
 */
public final class LocalKekProvider implements KekProvider {
  /** The URI scheme served. */
  public static final String SCHEME = "local";

  /** Key file length: a 256-bit AES key. */
  public static final int KEY_BYTES = 32;

  /** The provider; it holds no state, each KEK it opens reads its own key file. */
  public LocalKekProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of(SCHEME);
  }

  /** Checks the key name now, so that one that could escape the key directory fails at start. */
  @Override
  public void validate(String uri) {
    KeyFiles.name(uri, SCHEME);
  }

  @Override
  public Kek open(String uri, ProviderSettings settings) {
    String name = KeyFiles.name(uri, SCHEME);
    Path file = KeyFiles.directory(settings).resolve(name + ".key");
    byte[] key = SecretFiles.read(file, uri);
    try {
      if (key.length != KEY_BYTES) {
        throw new KeyUnavailableException(
            "the key file of "
                + uri
                + " at "
                + file
                + " holds "
                + key.length
                + " bytes; a local KEK"
                + " is exactly "
                + KEY_BYTES
                + " random bytes (create one with 'envelope keygen local')",
            false);
      }
      return new LocalKek(uri, SecretBytes.copyOf(key), file);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /** The key file, its owner and permissions; the key itself is not read. */
  @Override
  public dev.envelope.core.spi.KekDescription describe(String uri, ProviderSettings settings) {
    String name = KeyFiles.name(uri, SCHEME);
    return SecretFiles.describe(
            KeyFiles.directory(settings).resolve(name + ".key"), "AES-256 key file")
        .withKeySpec("AES-256 (AES-KWP)");
  }

  /**
   * Creates a new local KEK file: 32 bytes from {@link SecureRandom}, owner-only permissions.
   *
   * @param file e.g. {@code keys/payments-dev.key} for {@code local://payments-dev}
   * @throws java.nio.file.FileAlreadyExistsException if the file exists (a key is never
   *     overwritten)
   */
  public static void generate(Path file) throws IOException {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    try {
      SecretFiles.writeOwnerOnly(file, key);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  private static final class LocalKek implements Kek {
    private final String uri;
    private final SecretBytes key;
    private final Path file;

    LocalKek(String uri, SecretBytes key, Path file) {
      this.uri = uri;
      this.key = key;
      this.file = file;
    }

    @Override
    public String uri() {
      return uri;
    }

    /** The file the key is read from. */
    @Override
    public String identity() {
      return "key file " + file.toAbsolutePath().normalize();
    }

    /** The key file's age: a local key never rotates by itself. */
    @Override
    public dev.envelope.core.spi.KeyRotation rotation() {
      return KeyFiles.fileRotation(file, "key file");
    }

    @Override
    public WrapAlgorithm algorithm() {
      return WrapAlgorithm.AES_256_KWP;
    }

    @Override
    public byte[] wrap(SecretBytes dataKey, WrapContext context) {
      byte[] k = key.toByteArray();
      byte[] dek = dataKey.toByteArray();
      try {
        return AesKwp.wrap(k, dek);
      } finally {
        Arrays.fill(k, (byte) 0);
        Arrays.fill(dek, (byte) 0);
      }
    }

    @Override
    public SecretBytes unwrap(byte[] wrappedKey, WrapContext context) {
      byte[] k = key.toByteArray();
      try {
        return SecretBytes.adopt(AesKwp.unwrap(k, wrappedKey, uri));
      } finally {
        Arrays.fill(k, (byte) 0);
      }
    }

    @Override
    public void close() {
      key.destroy();
    }

    @Override
    public String toString() {
      return "LocalKek[" + uri + "]";
    }
  }
}
