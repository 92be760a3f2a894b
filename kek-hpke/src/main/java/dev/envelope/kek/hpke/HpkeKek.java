package dev.envelope.kek.hpke;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.SecretFiles;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

/**
 * An {@code hpke://} KEK. Wrap is HPKE single-shot {@code Seal} in base mode to the public key in
 * the URI, with the wrap context as {@code info} and empty {@code aad}: {@code wrappedKey = enc ||
 * ct} ({@code docs/FORMAT.md} §5.6). It needs no secret and no network, so any cluster holding the
 * policy can seal for this recipient. Unwrap needs the private key file {@code
 * <dir>/<fingerprint>.key}, read on first use.
 */
final class HpkeKek implements Kek {
  private static final byte[] NO_AAD = new byte[0];

  private final HpkePublicKey recipient;
  private final AsymmetricKeyParameter publicKey;
  private final Path privateKeyFile;
  private final java.util.concurrent.locks.ReentrantLock loadLock =
      new java.util.concurrent.locks.ReentrantLock();
  private volatile AsymmetricCipherKeyPair keyPair;
  private volatile boolean closed;

  HpkeKek(HpkePublicKey recipient, Path directory) {
    this.recipient = recipient;
    this.publicKey = recipient.parameters();
    this.privateKeyFile = directory.resolve(recipient.fingerprint() + ".key");
  }

  /**
   * The private key file's age (an HPKE key pair never rotates by itself); unknown in a cluster
   * that holds only the public key, which cannot tell when the pair was made.
   */
  /** The private key file that opens (sealing needs no identity: the public key is the URI). */
  @Override
  public String identity() {
    return "HPKE private key file " + privateKeyFile.toAbsolutePath().normalize();
  }

  @Override
  public dev.envelope.core.spi.KeyRotation rotation() {
    try {
      return dev.envelope.core.spi.KeyRotation.manual(
          java.nio.file.Files.getLastModifiedTime(privateKeyFile).toInstant(),
          "private key file " + privateKeyFile + ", last modified");
    } catch (java.nio.file.NoSuchFileException e) {
      return dev.envelope.core.spi.KeyRotation.unknown(
          "this cluster holds only the public key; check the age where the private key is");
    } catch (java.io.IOException e) {
      return dev.envelope.core.spi.KeyRotation.unknown(
          "cannot read the private key file's time: " + e.getClass().getSimpleName());
    }
  }

  @Override
  public String uri() {
    return recipient.uri();
  }

  @Override
  public WrapAlgorithm algorithm() {
    return recipient.suite().wrapAlgorithm;
  }

  @Override
  public boolean isAsymmetric() {
    return true;
  }

  /** Whether this cluster holds the private key, i.e. may unwrap. */
  boolean canUnwrap() {
    return Files.isRegularFile(privateKeyFile);
  }

  @Override
  public byte[] wrap(SecretBytes dataKey, WrapContext context) {
    ensureOpen();
    byte[] dek = dataKey.toByteArray();
    try {
      byte[][] sealed =
          recipient
              .suite()
              .hpke()
              .seal(publicKey, context.associatedData(), NO_AAD, dek, null, null, null);
      byte[] ciphertext = sealed[0];
      byte[] enc = sealed[1];
      byte[] wrapped = Arrays.copyOf(enc, enc.length + ciphertext.length);
      System.arraycopy(ciphertext, 0, wrapped, enc.length, ciphertext.length);
      return wrapped;
    } catch (InvalidCipherTextException | RuntimeException e) {
      throw new KeyUnavailableException(
          "HPKE KEK " + recipient + ": seal failed: " + e.getClass().getSimpleName(), false, e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  @Override
  public SecretBytes unwrap(byte[] wrappedKey, WrapContext context) {
    ensureOpen();
    HpkeSuite suite = recipient.suite();
    int expected = suite.encapsulationBytes + 32 + HpkeSuite.TAG_BYTES;
    if (wrappedKey.length != expected) {
      throw new AuthenticationException(
          "HPKE KEK "
              + recipient
              + ": the wrapped key has "
              + wrappedKey.length
              + " bytes; "
              + suite.wrapAlgorithm.name()
              + " wraps take "
              + expected);
    }
    AsymmetricCipherKeyPair pair = keyPair();
    byte[] enc = Arrays.copyOf(wrappedKey, suite.encapsulationBytes);
    byte[] ciphertext = Arrays.copyOfRange(wrappedKey, suite.encapsulationBytes, wrappedKey.length);
    try {
      HPKE hpke = suite.hpke();
      return SecretBytes.adopt(
          hpke.open(enc, pair, context.associatedData(), NO_AAD, ciphertext, null, null, null));
    } catch (InvalidCipherTextException | RuntimeException e) {
      // A wrong key or altered bytes: the KEM still yields a (wrong) secret — ML-KEM rejects
      // implicitly — and the AEAD tag fails; a malformed X25519 share fails in the KEM.
      throw new AuthenticationException(
          "HPKE KEK "
              + recipient
              + ": the wrapped key does not"
              + " open with this private key (another recipient, another logical key, or altered bytes)");
    }
  }

  private AsymmetricCipherKeyPair keyPair() {
    AsymmetricCipherKeyPair pair = keyPair;
    if (pair != null) {
      return pair;
    }
    // A lock, not synchronized: reading the key file must not pin a virtual thread's carrier.
    loadLock.lock();
    try {
      if (keyPair == null) {
        keyPair = load();
      }
      return keyPair;
    } finally {
      loadLock.unlock();
    }
  }

  private AsymmetricCipherKeyPair load() {
    if (!Files.exists(privateKeyFile)) {
      throw new KeyUnavailableException(
          "HPKE KEK "
              + recipient
              + ": this cluster has no private"
              + " key for it (expected "
              + privateKeyFile
              + "; set providers.hpke.dir), so it may seal"
              + " for this recipient but not open",
          false);
    }
    byte[] secret = SecretFiles.read(privateKeyFile, recipient.toString());
    try {
      HpkeSuite suite = recipient.suite();
      if (secret.length != HpkeSuite.PRIVATE_KEY_BYTES) {
        throw new KeyUnavailableException(
            "HPKE KEK "
                + recipient
                + ": "
                + privateKeyFile
                + " holds "
                + secret.length
                + " bytes, not a "
                + HpkeSuite.PRIVATE_KEY_BYTES
                + "-byte "
                + suite.label
                + " private key",
            false);
      }
      if (!MessageDigest.isEqual(suite.publicKeyOf(secret), recipient.encoded())) {
        throw new KeyUnavailableException(
            "HPKE KEK "
                + recipient
                + ": the private key in "
                + privateKeyFile
                + " does not belong to this public key",
            false);
      }
      return suite.hpke().deserializePrivateKey(secret, recipient.encoded());
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("HPKE KEK " + recipient + " is closed");
    }
  }

  /** Drops the private key; Bouncy Castle's key objects cannot be zeroed, only released. */
  @Override
  public void close() {
    closed = true;
    keyPair = null;
  }

  @Override
  public String toString() {
    return "HpkeKek[" + recipient + "]";
  }
}
