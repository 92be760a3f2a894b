package dev.envelope.kms.gcp;

import com.google.protobuf.Int64Value;

/** CRC32C as Cloud KMS wants it on requests and checks it on answers (its integrity fields). */
final class Crc32c {
  private Crc32c() {}

  static long of(byte[] data) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(data);
    return crc.getValue();
  }

  static Int64Value value(byte[] data) {
    return Int64Value.of(of(data));
  }

  static boolean matches(Int64Value value, byte[] data) {
    return value != null && value.getValue() == of(data);
  }
}
