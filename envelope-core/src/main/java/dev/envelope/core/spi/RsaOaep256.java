package dev.envelope.core.spi;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * The local half of {@link WrapAlgorithm#RSA_OAEP_256} ({@code docs/FORMAT.md} §5.5), shared by the
 * KMS providers whose RSA keys seal with a public key and open in the KMS: RSAES-OAEP with SHA-256,
 * MGF1-SHA-256 and an empty label (RFC 8017), through the JCE.
 */
public final class RsaOaep256 {
  /** Smaller moduli are refused. */
  public static final int MIN_MODULUS_BITS = 2048;

  private static final OAEPParameterSpec OAEP_SHA256 =
      new OAEPParameterSpec(
          "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);

  private RsaOaep256() {}

  /**
   * Parses a DER X.509 SubjectPublicKeyInfo (what KMSes return) and checks its size.
   *
   * @throws IllegalArgumentException if it is not an RSA key of at least {@link #MIN_MODULUS_BITS}
   */
  public static RSAPublicKey publicKey(byte[] subjectPublicKeyInfo) {
    RSAPublicKey key;
    try {
      key =
          (RSAPublicKey)
              KeyFactory.getInstance("RSA")
                  .generatePublic(new X509EncodedKeySpec(subjectPublicKeyInfo));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("not an RSA SubjectPublicKeyInfo", e);
    }
    return checked(key);
  }

  /**
   * Checks an RSA public key's size.
   *
   * @throws IllegalArgumentException below {@link #MIN_MODULUS_BITS}
   */
  public static RSAPublicKey checked(RSAPublicKey key) {
    if (key.getModulus().bitLength() < MIN_MODULUS_BITS) {
      throw new IllegalArgumentException(
          "RSA keys under " + MIN_MODULUS_BITS + " bits are refused");
    }
    return key;
  }

  /** Seals a data key to {@code key}; as long as the modulus. */
  public static byte[] wrap(RSAPublicKey key, SecretBytes dataKey) {
    byte[] dek = dataKey.toByteArray();
    try {
      Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
      oaep.init(Cipher.ENCRYPT_MODE, key, OAEP_SHA256);
      return oaep.doFinal(dek);
    } catch (GeneralSecurityException e) {
      // Every Java SE implementation has RSA/ECB/OAEPPadding with SHA-256.
      throw new IllegalStateException("RSA-OAEP-256 is unavailable in this JRE", e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }
}
