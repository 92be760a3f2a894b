package dev.envelope.kek.hpke;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A second, test-only implementation of RFC 9180 base mode with DHKEM(X25519, HKDF-SHA256) and
 * HKDF-SHA256, written from the RFC's text with the JDK alone (XDH, HmacSHA256, AES/GCM). It is
 * checked against the RFC's own vectors (A.1.1, AES-128-GCM) and then used to check Bouncy Castle
 * and the KEK for the AES-256-GCM suite, for which the RFC's appendix prints no vector.
 */
final class Rfc9180Reference {
  private static final byte[] VERSION = "HPKE-v1".getBytes(StandardCharsets.US_ASCII);

  private final byte[] kemSuite;
  private final byte[] hpkeSuite;
  private final int keyBytes;

  /**
   * @param aeadId 1 (AES-128-GCM) or 2 (AES-256-GCM)
   */
  Rfc9180Reference(int aeadId) {
    this.kemSuite = concat("KEM".getBytes(StandardCharsets.US_ASCII), i2osp(0x20, 2));
    this.hpkeSuite =
        concat(
            "HPKE".getBytes(StandardCharsets.US_ASCII),
            i2osp(0x20, 2),
            i2osp(1, 2),
            i2osp(aeadId, 2));
    this.keyBytes = aeadId == 1 ? 16 : 32;
  }

  /** The key schedule's outputs, for comparison with vectors. */
  @SuppressWarnings("ArrayRecordComponent") // compared field by field with the vectors
  record Schedule(byte[] sharedSecret, byte[] context, byte[] secret, byte[] key, byte[] nonce) {}

  Schedule schedule(byte[] skE, byte[] pkR, byte[] info) throws Exception {
    return schedule(x25519(skE, pkR), publicKey(skE), pkR, info);
  }

  /** The receiver's view: the same schedule from its private key and the sender's enc. */
  Schedule scheduleFromReceiver(byte[] skR, byte[] enc, byte[] info) throws Exception {
    return schedule(x25519(skR, enc), enc, publicKey(skR), info);
  }

  private Schedule schedule(byte[] dh, byte[] enc, byte[] pkR, byte[] info) throws Exception {
    byte[] eaePrk = labeledExtract(kemSuite, new byte[0], "eae_prk", dh);
    byte[] shared = labeledExpand(kemSuite, eaePrk, "shared_secret", concat(enc, pkR), 32);
    byte[] pskIdHash = labeledExtract(hpkeSuite, new byte[0], "psk_id_hash", new byte[0]);
    byte[] infoHash = labeledExtract(hpkeSuite, new byte[0], "info_hash", info);
    byte[] context = concat(new byte[] {0}, pskIdHash, infoHash);
    byte[] secret = labeledExtract(hpkeSuite, shared, "secret", new byte[0]);
    byte[] key = labeledExpand(hpkeSuite, secret, "key", context, keyBytes);
    byte[] nonce = labeledExpand(hpkeSuite, secret, "base_nonce", context, 12);
    return new Schedule(shared, context, secret, key, nonce);
  }

  /** AEAD seal with sequence number {@code seq}: nonce = base_nonce XOR I2OSP(seq, 12). */
  static byte[] seal(Schedule s, long seq, byte[] aad, byte[] plaintext) throws Exception {
    return aead(Cipher.ENCRYPT_MODE, s, seq, aad, plaintext);
  }

  static byte[] open(Schedule s, long seq, byte[] aad, byte[] ciphertext) throws Exception {
    return aead(Cipher.DECRYPT_MODE, s, seq, aad, ciphertext);
  }

  private static byte[] aead(int mode, Schedule s, long seq, byte[] aad, byte[] input)
      throws Exception {
    byte[] nonce = s.nonce().clone();
    byte[] counter = i2osp(seq, 12);
    for (int i = 0; i < nonce.length; i++) {
      nonce[i] ^= counter[i];
    }
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(mode, new SecretKeySpec(s.key(), "AES"), new GCMParameterSpec(128, nonce));
    gcm.updateAAD(aad);
    return gcm.doFinal(input);
  }

  static byte[] publicKey(byte[] scalar) throws Exception {
    // The base point u = 9: X25519(scalar, 9).
    byte[] nine = new byte[32];
    nine[0] = 9;
    return x25519(scalar, nine);
  }

  static byte[] x25519(byte[] scalar, byte[] u) throws Exception {
    KeyFactory factory = KeyFactory.getInstance("XDH");
    PrivateKey priv =
        factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
    byte[] little = u.clone();
    little[31] &= 0x7f; // RFC 7748 §5: the top bit of u is masked
    byte[] big = new byte[32];
    for (int i = 0; i < 32; i++) {
      big[i] = little[31 - i];
    }
    PublicKey pub =
        factory.generatePublic(
            new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, big)));
    KeyAgreement agreement = KeyAgreement.getInstance("XDH");
    agreement.init(priv);
    agreement.doPhase(pub, true);
    return agreement.generateSecret();
  }

  private static byte[] labeledExtract(byte[] suite, byte[] salt, String label, byte[] ikm)
      throws Exception {
    return hmac(
        salt.length == 0 ? new byte[32] : salt,
        concat(VERSION, suite, label.getBytes(StandardCharsets.US_ASCII), ikm));
  }

  private static byte[] labeledExpand(
      byte[] suite, byte[] prk, String label, byte[] info, int length) throws Exception {
    byte[] labeledInfo =
        concat(i2osp(length, 2), VERSION, suite, label.getBytes(StandardCharsets.US_ASCII), info);
    // HKDF-Expand (RFC 5869 §2.3); at most two blocks are needed here.
    ByteArrayOutputStream okm = new ByteArrayOutputStream();
    byte[] t = new byte[0];
    for (int i = 1; okm.size() < length; i++) {
      t = hmac(prk, concat(t, labeledInfo, new byte[] {(byte) i}));
      okm.write(t);
    }
    return Arrays.copyOf(okm.toByteArray(), length);
  }

  private static byte[] hmac(byte[] key, byte[] data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }

  static byte[] i2osp(long value, int length) {
    byte[] out = new byte[length];
    for (int i = length - 1; i >= 0 && value != 0; i--) {
      out[i] = (byte) value;
      value >>>= 8;
    }
    return out;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
