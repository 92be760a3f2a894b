package dev.envelope.core.spi;

import java.util.Map;
import java.util.Objects;

/**
 * How a recipient's data key was wrapped: a small integer written in the envelope (format v1,
 * {@code docs/FORMAT.md} §5) and a name shown by {@code inspect}.
 *
 * <p>The identifiers are a registry owned by the format: a provider uses one of the constants here,
 * and a new wrap algorithm gets a new constant (and a new section in {@code FORMAT.md}) rather than
 * a number chosen by the provider, so two plug-ins can never write the same number with different
 * meanings.
 */
public record WrapAlgorithm(int id, String name) {
  /** AES-256 key wrap with padding, RFC 5649 (the {@code local://} KEK). */
  public static final WrapAlgorithm AES_256_KWP = new WrapAlgorithm(1, "A256KWP");

  /**
   * A Tink AEAD keyset's ciphertext (Tink output prefix, then the primitive's ciphertext), with the
   * wrap context as associated data (the {@code tink-keyset://} KEK).
   */
  public static final WrapAlgorithm TINK_AEAD = new WrapAlgorithm(2, "TINK-AEAD");

  /**
   * AES-256-GCM computed inside an HSM or token ({@code pkcs11://} KEKs): a 12-byte random IV, then
   * the ciphertext and 16-byte tag, with the wrap context as associated data.
   */
  public static final WrapAlgorithm AES_256_GCM_HSM = new WrapAlgorithm(3, "A256GCM-HSM");

  /**
   * An AWS KMS ciphertext blob of a symmetric key's {@code Encrypt}, with the encryption context
   * {@code {"envelope:key": logicalKeyId}} ({@code aws-kms://} KEKs).
   */
  public static final WrapAlgorithm AWS_KMS = new WrapAlgorithm(4, "AWS-KMS");

  /**
   * RSAES-OAEP with SHA-256 and MGF1-SHA-256, empty label (RFC 8017), under an RSA key held in a
   * KMS: any cluster can wrap with the public key, only the KMS can unwrap.
   */
  public static final WrapAlgorithm RSA_OAEP_256 = new WrapAlgorithm(5, "RSA-OAEP-256");

  /**
   * HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM: {@code enc ||
   * ciphertext} of the data key, with the wrap context as {@code info} ({@code hpke://x25519/…}).
   */
  public static final WrapAlgorithm HPKE_X25519 = new WrapAlgorithm(6, "HPKE-X25519-A256GCM");

  /**
   * HPKE base mode with the X-Wing KEM (ML-KEM-768 + X25519, HPKE KEM id 0x647a), HKDF-SHA256,
   * AES-256-GCM ({@code hpke://xwing/…}): hybrid post-quantum.
   */
  public static final WrapAlgorithm HPKE_XWING = new WrapAlgorithm(7, "HPKE-XWING-A256GCM");

  /**
   * An Azure Key Vault RSA key's wrap: the key version (one length byte, then ASCII), then
   * RSAES-OAEP-SHA-256 of the data key under that version's public key ({@code azure-kv://}).
   */
  public static final WrapAlgorithm AZURE_RSA_OAEP_256 = new WrapAlgorithm(8, "AZKV-RSA-OAEP-256");

  /**
   * An Azure Managed HSM AES key's wrap: the key version (one length byte, then ASCII), then
   * AES-256 key wrap (RFC 3394, {@code A256KW}) computed in the HSM ({@code azure-kv://}).
   */
  public static final WrapAlgorithm AZURE_A256KW = new WrapAlgorithm(9, "AZKV-A256KW");

  /**
   * A Cloud KMS symmetric key's {@code Encrypt} ciphertext, with the wrap context as {@code
   * additionalAuthenticatedData} ({@code gcp-kms://} KEKs).
   */
  public static final WrapAlgorithm GCP_KMS = new WrapAlgorithm(10, "GCP-KMS");

  private static final Map<Integer, WrapAlgorithm> KNOWN =
      Map.ofEntries(
          Map.entry(AZURE_RSA_OAEP_256.id, AZURE_RSA_OAEP_256),
          Map.entry(AZURE_A256KW.id, AZURE_A256KW),
          Map.entry(GCP_KMS.id, GCP_KMS),
          Map.entry(HPKE_X25519.id, HPKE_X25519),
          Map.entry(HPKE_XWING.id, HPKE_XWING),
          Map.entry(AES_256_KWP.id, AES_256_KWP),
          Map.entry(TINK_AEAD.id, TINK_AEAD),
          Map.entry(AES_256_GCM_HSM.id, AES_256_GCM_HSM),
          Map.entry(AWS_KMS.id, AWS_KMS),
          Map.entry(RSA_OAEP_256.id, RSA_OAEP_256));

  /** Validates the id range (1..2^31-1) and that the name is present. */
  public WrapAlgorithm {
    if (id <= 0) {
      throw new IllegalArgumentException("wrap algorithm id must be positive, got " + id);
    }
    Objects.requireNonNull(name, "name");
  }

  /** The registered algorithm with this id, or a placeholder named {@code unknown(id)}. */
  public static WrapAlgorithm of(long id) {
    if (id <= 0 || id > Integer.MAX_VALUE) {
      return new WrapAlgorithm(Integer.MAX_VALUE, "unknown(" + id + ")");
    }
    WrapAlgorithm known = KNOWN.get((int) id);
    return known != null ? known : new WrapAlgorithm((int) id, "unknown(" + id + ")");
  }
}
