package dev.envelope.kms.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EXTRACTABLE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_SENSITIVE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_VALUE_LEN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKF_DECRYPT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKF_ENCRYPT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_AES_GCM;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_ENCRYPTED_DATA_INVALID;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_ENCRYPTED_DATA_LEN_RANGE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_GENERAL_ERROR;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.spi.CloseOnce;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.TokenException;
import org.xipki.pkcs11.wrapper.params.GCM_PARAMS;

/**
 * An AES-256 key inside a PKCS#11 token, wrapping data keys with {@code CKM_AES_GCM} computed by
 * the token: {@code wrappedKey = IV || C_Encrypt(GCM(IV, AAD = wrap context), DEK)}, 60 bytes
 * ({@code docs/FORMAT.md} §5.3). The key never leaves the token; only the DEK crosses the PKCS#11
 * boundary, in and out.
 *
 * <p>IVs are 96 random bits from {@link SecureRandom}; NIST SP 800-38D §8.3 allows 2^32 random-IV
 * encryptions under one key, and a KEK encrypts once per data key, not once per message.
 */
final class Pkcs11Kek implements Kek {
  static final int IV_BYTES = 12;
  static final int TAG_BYTES = 16;
  static final int WRAPPED_BYTES = IV_BYTES + DATA_KEY_BYTES + TAG_BYTES;
  private static final int AES_256_BYTES = 32;

  /**
   * Answers of {@code C_Decrypt} that mean "does not authenticate". SoftHSM2 reports a GCM tag
   * mismatch as {@code CKR_GENERAL_ERROR}; HSMs following PKCS#11 3.0 use the first two.
   */
  private static final Set<Long> NOT_AUTHENTIC =
      Set.of(CKR_ENCRYPTED_DATA_INVALID, CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_GENERAL_ERROR);

  private final Pkcs11Uri where;
  private final TokenPool pool;
  private final Runnable onClose;
  private final SecureRandom random = new SecureRandom();
  private final CloseOnce closed;
  private volatile long keyHandle;

  private Pkcs11Kek(Pkcs11Uri where, TokenPool pool, long keyHandle, Runnable onClose) {
    this.where = where;
    this.pool = pool;
    this.keyHandle = keyHandle;
    this.onClose = onClose;
    this.closed = new CloseOnce(where.uri());
  }

  /**
   * Finds and checks the key, then returns the KEK.
   *
   * @throws KeyUnavailableException if the key is missing, ambiguous, not AES-256, extractable
   *     while {@code requireNonExtractable} is set, or the token lacks AES-GCM
   */
  static Pkcs11Kek open(
      Pkcs11Uri where, TokenPool pool, boolean requireNonExtractable, Runnable onClose) {
    if (!pool.supports(CKM_AES_GCM, CKF_ENCRYPT) && !pool.supports(CKM_AES_GCM, CKF_DECRYPT)) {
      throw new KeyUnavailableException(
          "PKCS#11 KEK "
              + where.uri()
              + ": token '"
              + pool.label()
              + "' does not offer CKM_AES_GCM, which pkcs11 KEKs use",
          false);
    }
    long handle = locate(where, pool);
    AttributeVector attributes;
    try {
      attributes =
          pool.call(
              session ->
                  session.getAttrValues(handle, CKA_VALUE_LEN, CKA_EXTRACTABLE, CKA_SENSITIVE));
    } catch (TokenException e) {
      throw Pkcs11Errors.unavailable(where.uri(), "reading the key's attributes", e);
    }
    Integer length = attributes.valueLen();
    if (length == null || length != AES_256_BYTES) {
      throw new KeyUnavailableException(
          "PKCS#11 KEK "
              + where.uri()
              + ": the key is "
              + (length == null ? "of unknown length" : "AES-" + length * 8)
              + "; a pkcs11 KEK is AES-256",
          false);
    }
    boolean leaves =
        !Boolean.FALSE.equals(attributes.extractable())
            || !Boolean.TRUE.equals(attributes.sensitive());
    if (requireNonExtractable && leaves) {
      throw new KeyUnavailableException(
          "PKCS#11 KEK "
              + where.uri()
              + ": the key can leave the"
              + " token (CKA_EXTRACTABLE="
              + attributes.extractable()
              + ", CKA_SENSITIVE="
              + attributes.sensitive()
              + "); create it with CKA_EXTRACTABLE=false and"
              + " CKA_SENSITIVE=true, or set providers.pkcs11.requireNonExtractable: false",
          false);
    }
    return new Pkcs11Kek(where, pool, handle, onClose);
  }

  /** Who a token's KEK calls run as: the token and the normal user role the PIN logs in to. */
  static String identity(String label, long slot) {
    return "PKCS#11 token '" + label + "' (slot " + slot + ") as CKU_USER";
  }

  @Override
  public String identity() {
    return identity(pool.label(), pool.slotId());
  }

  /** Adds the key object's type and protection to a description. */
  void describeKey(dev.envelope.core.spi.KekDescription.Builder d) {
    try {
      AttributeVector a =
          pool.call(
              session ->
                  session.getAttrValues(keyHandle, CKA_VALUE_LEN, CKA_EXTRACTABLE, CKA_SENSITIVE));
      d.keySpec("AES-" + (a.valueLen() == null ? "?" : Integer.toString(a.valueLen() * 8)))
          .detail("extractable", String.valueOf(a.extractable()))
          .detail("sensitive", String.valueOf(a.sensitive()));
    } catch (TokenException e) {
      d.problem("reading the key's attributes failed: " + e.getMessage());
    }
  }

  private static long locate(Pkcs11Uri where, TokenPool pool) {
    AttributeVector template = AttributeVector.newAESSecretKey();
    where.objectLabel().ifPresent(template::label);
    where.objectId().ifPresent(template::id);
    long[] found;
    try {
      found = pool.call(session -> session.findObjectsSingle(template, 2));
    } catch (TokenException e) {
      throw Pkcs11Errors.unavailable(where.uri(), "finding the key", e);
    }
    if (found.length == 1) {
      return found[0];
    }
    throw new KeyUnavailableException(
        "PKCS#11 KEK "
            + where.uri()
            + ": "
            + (found.length == 0 ? "no AES secret key with " : "several AES secret keys with ")
            + where.describeKey()
            + " on token '"
            + pool.label()
            + "'"
            + (found.length == 0 ? "" : "; name it by a unique id=…"),
        false);
  }

  @Override
  public String uri() {
    return where.uri();
  }

  @Override
  public WrapAlgorithm algorithm() {
    return WrapAlgorithm.AES_256_GCM_HSM;
  }

  @Override
  public byte[] wrap(SecretBytes dataKey, WrapContext context) {
    closed.requireOpen();
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    Mechanism gcm = gcm(iv, context);
    byte[] dek = dataKey.toByteArray();
    byte[] sealed;
    try {
      sealed = withKey(handle -> pool.call(session -> session.encryptSingle(gcm, handle, dek)));
    } catch (TokenException e) {
      throw Pkcs11Errors.unavailable(where.uri(), "wrap (C_Encrypt, CKM_AES_GCM)", e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
    if (sealed == null || sealed.length != DATA_KEY_BYTES + TAG_BYTES) {
      throw new KeyUnavailableException(
          "PKCS#11 KEK "
              + where.uri()
              + ": the token's AES-GCM"
              + " output has "
              + (sealed == null ? 0 : sealed.length)
              + " bytes, expected "
              + (DATA_KEY_BYTES + TAG_BYTES),
          false);
    }
    byte[] wrapped = Arrays.copyOf(iv, WRAPPED_BYTES);
    System.arraycopy(sealed, 0, wrapped, IV_BYTES, sealed.length);
    return wrapped;
  }

  @Override
  public SecretBytes unwrap(byte[] wrappedKey, WrapContext context) {
    closed.requireOpen();
    if (wrappedKey.length != WRAPPED_BYTES) {
      throw new AuthenticationException(
          "PKCS#11 KEK "
              + where.uri()
              + ": the wrapped key has "
              + wrappedKey.length
              + " bytes; an A256GCM-HSM wrapped key has "
              + WRAPPED_BYTES);
    }
    Mechanism gcm = gcm(Arrays.copyOf(wrappedKey, IV_BYTES), context);
    byte[] sealed = Arrays.copyOfRange(wrappedKey, IV_BYTES, WRAPPED_BYTES);
    byte[] dek;
    try {
      dek = withKey(handle -> pool.call(session -> session.decryptSingle(gcm, handle, sealed)));
    } catch (PKCS11Exception e) {
      if (NOT_AUTHENTIC.contains(e.getErrorCode())) {
        throw new AuthenticationException(
            "PKCS#11 KEK "
                + where.uri()
                + ": the token did not"
                + " authenticate the wrapped key ("
                + e.getErrorName()
                + "): another key, another"
                + " logical key id, or altered bytes");
      }
      throw Pkcs11Errors.unavailable(where.uri(), "unwrap (C_Decrypt, CKM_AES_GCM)", e);
    } catch (TokenException e) {
      throw Pkcs11Errors.unavailable(where.uri(), "unwrap (C_Decrypt, CKM_AES_GCM)", e);
    }
    if (dek == null || dek.length != DATA_KEY_BYTES) {
      if (dek != null) {
        Arrays.fill(dek, (byte) 0);
      }
      throw new AuthenticationException(
          "PKCS#11 KEK "
              + where.uri()
              + ": the unwrapped data key does not have "
              + DATA_KEY_BYTES
              + " bytes");
    }
    return SecretBytes.adopt(dek);
  }

  @Override
  public void close() {
    closed.close(onClose);
  }

  @Override
  public String toString() {
    return "Pkcs11Kek[" + where.uri() + ", token '" + pool.label() + "']";
  }

  private static Mechanism gcm(byte[] iv, WrapContext context) {
    return new Mechanism(CKM_AES_GCM, new GCM_PARAMS(iv, context.associatedData(), TAG_BYTES * 8));
  }

  /**
   * PKCS#11 has no rotation schedule; a key's age comes from its {@code CKA_START_DATE}, when the
   * key was created with one (day precision).
   */
  @Override
  public dev.envelope.core.spi.KeyRotation rotation() {
    try {
      java.time.Instant start =
          withKey(
                  handle ->
                      pool.call(
                          session ->
                              session.getAttrValues(
                                  handle, org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_START_DATE)))
              .startDate();
      return start == null
          ? dev.envelope.core.spi.KeyRotation.unknown(
              "the key object has no CKA_START_DATE; set it when creating the key so its age is"
                  + " known")
          : dev.envelope.core.spi.KeyRotation.manual(
              start, "PKCS#11 CKA_START_DATE of the key object (no automatic rotation)");
    } catch (TokenException | RuntimeException e) {
      return dev.envelope.core.spi.KeyRotation.unknown(
          "reading CKA_START_DATE failed: " + e.getClass().getSimpleName() + " " + e.getMessage());
    }
  }

  /**
   * Runs {@code operation} with the key's handle; if the token forgot the session or the handle (a
   * reset, or another component closed all sessions), looks the key up again and retries once. The
   * pool opens fresh sessions and logs in again by itself.
   */
  private <T> T withKey(KeyOperation<T> operation) throws TokenException {
    try {
      return operation.apply(keyHandle);
    } catch (TokenException e) {
      if (!Pkcs11Errors.staleHandle(e)) {
        throw e;
      }
      keyHandle = locate(where, pool);
      return operation.apply(keyHandle);
    }
  }

  @FunctionalInterface
  private interface KeyOperation<T> {
    T apply(long keyHandle) throws TokenException;
  }
}
