package dev.envelope.core.local;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.envelope.core.AuthenticationException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.SecretFiles;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Set;

/**
 * The {@code tink-keyset://NAME} KEK: a Tink AEAD keyset in cleartext JSON at {@code
 * <dir>/NAME.json}. Wrap = the keyset's primary AEAD over the data key with the wrap context as
 * associated data; unwrap tries every key of the keyset (Tink's output prefix picks it), so the KEK
 * can be rotated inside the keyset: add a key, make it primary, keep the old one until every
 * envelope was rewrapped.
 *
 * <p>Settings ({@code providers.tink-keyset}): {@code dir}, the keyset directory (default: the
 * working directory).
 */
public final class TinkKeysetKekProvider implements KekProvider {
  /** The URI scheme served. */
  public static final String SCHEME = "tink-keyset";

  static {
    try {
      AeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The provider; it holds no state, each KEK it opens reads its own key file. */
  public TinkKeysetKekProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of(SCHEME);
  }

  /** Checks the key name now, so that one that could escape the key directory fails at start. */
  @Override
  public void validate(String uri) {
    KeyFiles.name(uri, SCHEME);
  }

  /** The keyset file, its owner and permissions; the keyset itself is not read. */
  @Override
  public dev.envelope.core.spi.KekDescription describe(String uri, ProviderSettings settings) {
    String name = KeyFiles.name(uri, SCHEME);
    return SecretFiles.describe(
            KeyFiles.directory(settings).resolve(name + ".json"), "Tink AES-256-GCM keyset file")
        .withKeySpec("Tink AES256_GCM keyset");
  }

  @Override
  public Kek open(String uri, ProviderSettings settings) {
    String name = KeyFiles.name(uri, SCHEME);
    Path file = KeyFiles.directory(settings).resolve(name + ".json");
    byte[] json = SecretFiles.read(file, uri);
    try {
      KeysetHandle handle =
          TinkJsonProtoKeysetFormat.parseKeyset(
              new String(json, StandardCharsets.UTF_8),
              RegistryConfiguration.get(),
              InsecureSecretKeyAccess.get());
      Aead aead = handle.getPrimitive(RegistryConfiguration.get(), Aead.class);
      return new TinkKek(uri, aead, file);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new KeyUnavailableException(
          "the file of "
              + uri
              + " at "
              + file
              + " is not a cleartext Tink AEAD keyset in JSON ("
              + e.getClass().getSimpleName()
              + ")",
          false,
          e);
    } finally {
      Arrays.fill(json, (byte) 0);
    }
  }

  /**
   * Creates a keyset file with one AES-256-GCM key, owner-only permissions.
   *
   * @throws java.nio.file.FileAlreadyExistsException if the file exists
   */
  public static void generate(Path file) throws IOException {
    try {
      KeysetHandle handle =
          KeysetHandle.generateNew(
              PredefinedAeadParameters.AES256_GCM, RegistryConfiguration.get());
      String json =
          TinkJsonProtoKeysetFormat.serializeKeyset(
              handle, RegistryConfiguration.get(), InsecureSecretKeyAccess.get());
      SecretFiles.writeOwnerOnly(file, json.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink could not create an AES-256-GCM keyset", e);
    }
  }

  /**
   * Rotates the keyset in {@code file}: adds a new AES-256-GCM key and makes it the primary, keeps
   * every other key for unwrapping. New data keys are wrapped under the new key by every facade
   * that opens the KEK from now on (a facade already running keeps the keyset it opened until it is
   * rebuilt); envelopes wrapped under an older key still open. The file is replaced atomically.
   *
   * @return the id of the new primary key and how many keys the keyset holds now
   * @throws IOException if the file cannot be read or replaced
   * @throws IllegalArgumentException if the file is not a cleartext Tink AEAD keyset in JSON
   */
  public static Rotated rotate(Path file) throws IOException {
    if (!java.nio.file.Files.isRegularFile(file)) {
      throw new java.nio.file.NoSuchFileException(file.toString());
    }
    byte[] json = SecretFiles.read(file, "tink-keyset file " + file);
    try {
      KeysetHandle old =
          TinkJsonProtoKeysetFormat.parseKeyset(
              new String(json, StandardCharsets.UTF_8),
              RegistryConfiguration.get(),
              InsecureSecretKeyAccess.get());
      old.getPrimitive(RegistryConfiguration.get(), Aead.class); // an AEAD keyset, or refuse
      KeysetHandle rotated =
          KeysetHandle.newBuilder(old)
              .addEntry(
                  KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
                      .withRandomId()
                      .makePrimary())
              .build();
      String out =
          TinkJsonProtoKeysetFormat.serializeKeyset(
              rotated, RegistryConfiguration.get(), InsecureSecretKeyAccess.get());
      SecretFiles.replaceOwnerOnly(file, out.getBytes(StandardCharsets.UTF_8));
      return new Rotated(rotated.getPrimary().getId(), rotated.size());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          file
              + " is not a cleartext Tink AEAD keyset in JSON ("
              + e.getClass().getSimpleName()
              + ")",
          e);
    } finally {
      Arrays.fill(json, (byte) 0);
    }
  }

  /**
   * What {@link #rotate} did.
   *
   * @param primaryKeyId the Tink key id of the new primary
   * @param keys how many keys the keyset holds (the old ones still unwrap)
   */
  public record Rotated(int primaryKeyId, int keys) {}

  private static final class TinkKek implements Kek {
    private final String uri;
    private final Aead aead;

    private final Path file;

    TinkKek(String uri, Aead aead, Path file) {
      this.uri = uri;
      this.aead = aead;
      this.file = file;
    }

    /**
     * The keyset file's age: Tink keysets record no creation time, and {@link #rotate} rewrites the
     * file with the new primary, so its modification time is when the primary was made.
     */
    @Override
    public dev.envelope.core.spi.KeyRotation rotation() {
      return KeyFiles.fileRotation(file, "keyset file");
    }

    @Override
    public String uri() {
      return uri;
    }

    /** The file the key is read from. */
    @Override
    public String identity() {
      return "keyset file " + file.toAbsolutePath().normalize();
    }

    @Override
    public WrapAlgorithm algorithm() {
      return WrapAlgorithm.TINK_AEAD;
    }

    @Override
    public byte[] wrap(SecretBytes dataKey, WrapContext context) {
      byte[] dek = dataKey.toByteArray();
      try {
        return aead.encrypt(dek, context.associatedData());
      } catch (GeneralSecurityException e) {
        throw new KeyUnavailableException("the Tink keyset " + uri + " could not wrap", false, e);
      } finally {
        Arrays.fill(dek, (byte) 0);
      }
    }

    @Override
    public SecretBytes unwrap(byte[] wrappedKey, WrapContext context) {
      try {
        return SecretBytes.adopt(aead.decrypt(wrappedKey, context.associatedData()));
      } catch (GeneralSecurityException e) {
        throw new AuthenticationException(
            "the wrapped data key did not authenticate under "
                + uri
                + " (another keyset, another logical key, or the envelope was altered)");
      }
    }

    @Override
    public String toString() {
      return "TinkKek[" + uri + "]";
    }
  }
}
