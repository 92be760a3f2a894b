package dev.envelope.kek.hpke;

import dev.envelope.core.spi.WrapAlgorithm;
import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.pqc.crypto.xwing.XWingPrivateKeyParameters;

/**
 * The two HPKE (RFC 9180) cipher suites an {@code hpke://} KEK may use; both base mode with
 * HKDF-SHA256 and AES-256-GCM, differing in the KEM.
 */
enum HpkeSuite {
  /** DHKEM(X25519, HKDF-SHA256), KEM id 0x0020 (RFC 9180 §7.1). */
  X25519("x25519", HPKE.kem_X25519_SHA256, 32, 32, WrapAlgorithm.HPKE_X25519),
  /**
   * X-Wing, ML-KEM-768 combined with X25519 as draft-connolly-cfrg-xwing-kem specifies, KEM id
   * 0x647a in HPKE; 1216-byte public keys, 1120-byte encapsulations.
   */
  XWING("xwing", HPKE.kem_X_WING, 1216, 1120, WrapAlgorithm.HPKE_XWING);

  /** The private key file holds 32 bytes for both: an X25519 scalar or an X-Wing seed. */
  static final int PRIVATE_KEY_BYTES = 32;

  /** AES-256-GCM tag. */
  static final int TAG_BYTES = 16;

  final String label;
  final short kemId;
  final int publicKeyBytes;
  final int encapsulationBytes;

  @SuppressWarnings("ImmutableEnumChecker") // WrapAlgorithm is an immutable value (id, name)
  final WrapAlgorithm wrapAlgorithm;

  HpkeSuite(
      String label,
      short kemId,
      int publicKeyBytes,
      int encapsulationBytes,
      WrapAlgorithm wrapAlgorithm) {
    this.label = label;
    this.kemId = kemId;
    this.publicKeyBytes = publicKeyBytes;
    this.encapsulationBytes = encapsulationBytes;
    this.wrapAlgorithm = wrapAlgorithm;
  }

  /**
   * A new HPKE instance of this suite. Bouncy Castle's instances hold mutable cipher state, so each
   * wrap or unwrap takes its own.
   */
  HPKE hpke() {
    return new HPKE(HPKE.mode_base, kemId, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256);
  }

  /** The public key belonging to a private key of this suite, serialized as in the URI. */
  byte[] publicKeyOf(byte[] privateKey) {
    return switch (this) {
      case X25519 -> new X25519PrivateKeyParameters(privateKey).generatePublicKey().getEncoded();
      case XWING -> new XWingPrivateKeyParameters(privateKey).getPublicKeyParameters().getEncoded();
    };
  }

  static Optional<HpkeSuite> byLabel(String label) {
    for (HpkeSuite suite : values()) {
      if (suite.label.equals(label.toLowerCase(Locale.ROOT))) {
        return Optional.of(suite);
      }
    }
    return Optional.empty();
  }
}
