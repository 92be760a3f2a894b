package dev.envelope.jmh;

import java.util.Random;

/** Deterministic payloads, so every library encrypts the same bytes. */
final class Payloads {
  private Payloads() {}

  static byte[] of(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }
}
