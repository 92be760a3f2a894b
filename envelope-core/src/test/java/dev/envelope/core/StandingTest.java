package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.EnvelopeInfo.Standing;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where an envelope stands against a policy, and rewrapping only when it needs it. */
class StandingTest {
  private static final Map<String, String> CTX = Map.of("tenant", "acme");

  private static KeyPolicy p(List<String> keks, List<String> decryptOnly, int minWrap) {
    return KeyPolicy.builder().key("payments", keks, decryptOnly, minWrap).build();
  }

  @Test
  void aCurrentEnvelopeIsLeftAloneWithoutAnyKekCall() {
    try (Fixture f = new Fixture()) {
      String a = f.local("a");
      KeyPolicy policy = p(List.of(a), List.of(), 1);
      try (Envelope envelope = f.envelope(policy)) {
        byte[] sealed = envelope.encrypt("payments", new byte[10], CTX);
        assertThat(Envelope.inspect(sealed, policy).standing()).isEqualTo(Standing.CURRENT);
        assertThat(Envelope.inspect(sealed).standing()).isEqualTo(Standing.UNRESOLVED);
        long unwraps = envelope.stats().unwrapCalls(a);
        assertThat(envelope.rewrapIfNeeded(sealed)).isEmpty();
        assertThat(envelope.stats().unwrapCalls(a)).isEqualTo(unwraps);
      }
    }
  }

  @Test
  void aDecryptOnlyRecipientOrAMissingKekNeedsARewrapThatMakesItCurrent() throws Exception {
    try (Fixture f = new Fixture()) {
      String a = f.local("a");
      String b = "local://b"; // no key file yet: with minWrap 1 the envelope gets a only
      byte[] partial;
      KeyPolicy both = p(List.of(a, b), List.of(), 1);
      try (Envelope envelope = f.envelope(both)) {
        partial = envelope.encrypt("payments", "x".getBytes(), CTX);
      }
      EnvelopeInfo info = Envelope.inspect(partial, both);
      assertThat(info.standing()).isEqualTo(Standing.NEEDS_REWRAP);
      assertThat(info.needsRewrap()).isTrue();

      f.local("b");
      try (Envelope envelope = f.envelope(both)) {
        byte[] repaired = envelope.rewrapIfNeeded(partial).orElseThrow();
        assertThat(Envelope.inspect(repaired, both).standing()).isEqualTo(Standing.CURRENT);
        assertThat(envelope.decrypt(repaired, CTX)).asString().isEqualTo("x");
      }

      KeyPolicy rotated = p(List.of(b), List.of(a), 1);
      byte[] underA;
      try (Envelope old = f.envelope(p(List.of(a), List.of(), 1))) {
        underA = old.encrypt("payments", "y".getBytes(), CTX);
      }
      assertThat(Envelope.inspect(underA, rotated).standing()).isEqualTo(Standing.NEEDS_REWRAP);
      try (Envelope envelope = f.envelope(rotated)) {
        byte[] moved = envelope.rewrapIfNeeded(underA).orElseThrow();
        assertThat(Envelope.inspect(moved, rotated).standing()).isEqualTo(Standing.CURRENT);
        assertThat(Envelope.inspect(moved, rotated).recipients())
            .extracting(r -> r.kekUri().orElseThrow())
            .containsExactly(b);
      }
      // A recipient the policy no longer names (next to one it does) also asks for a rewrap.
      KeyPolicy onlyB = p(List.of(b), List.of(), 1);
      byte[] underAandB;
      try (Envelope envelope = f.envelope(both)) {
        underAandB = envelope.encrypt("payments", "z".getBytes(), CTX);
      }
      assertThat(Envelope.inspect(underAandB, onlyB).standing()).isEqualTo(Standing.NEEDS_REWRAP);
      assertThat(Files.exists(f.dir.resolve("b.key"))).isTrue();
    }
  }

  @Test
  void whatThePolicyCannotOpenIsNotOpenableAndRewrapIfNeededSaysSoTyped() {
    try (Fixture f = new Fixture()) {
      String a = f.local("a");
      String c = f.local("c");
      byte[] underA;
      try (Envelope envelope = f.envelope(p(List.of(a), List.of(), 1))) {
        underA = envelope.encrypt("payments", new byte[1], CTX);
      }
      KeyPolicy otherKek = p(List.of(c), List.of(), 1);
      assertThat(Envelope.inspect(underA, otherKek).standing()).isEqualTo(Standing.NOT_OPENABLE);
      KeyPolicy otherKey = KeyPolicy.builder().key("audit", List.of(a), List.of()).build();
      assertThat(Envelope.inspect(underA, otherKey).standing()).isEqualTo(Standing.NOT_OPENABLE);
      try (Envelope envelope = f.envelope(otherKek)) {
        assertThatThrownBy(() -> envelope.rewrapIfNeeded(underA))
            .isInstanceOf(KeyUnavailableException.class);
      }
    }
  }

  /** What a bulk rewrap relies on: one unwrap and one wrap per KEK per data key, not per file. */
  @Test
  void envelopesSharingADataKeyCostOneUnwrapAndOneWrapPerKekEvenInParallel() throws Exception {
    try (Fixture f = new Fixture()) {
      String a = f.local("a");
      String b = f.local("b");
      String c = f.local("c");
      List<byte[]> stored = new java.util.ArrayList<>();
      try (Envelope old = f.envelope(p(List.of(a), List.of(), 1))) {
        for (int i = 0; i < 200; i++) {
          stored.add(old.encrypt("payments", new byte[50], Map.of("n", "" + i)));
        }
        assertThat(old.stats().wrapCalls(a)).isEqualTo(1); // one data key for all 200
      }
      KeyPolicy rotated = p(List.of(b, c), List.of(a), 2);
      try (Envelope envelope = f.envelope(rotated)) {
        java.util.concurrent.ExecutorService pool =
            java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
          List<java.util.concurrent.Future<byte[]>> done = new java.util.ArrayList<>();
          for (byte[] e : stored) {
            done.add(pool.submit(() -> envelope.rewrapIfNeeded(e).orElseThrow()));
          }
          for (int i = 0; i < done.size(); i++) {
            byte[] fresh = done.get(i).get();
            assertThat(Envelope.inspect(fresh, rotated).standing()).isEqualTo(Standing.CURRENT);
            assertThat(envelope.decrypt(fresh, Map.of("n", "" + i))).hasSize(50);
          }
        } finally {
          pool.shutdownNow();
        }
        assertThat(envelope.stats().unwrapCalls(a)).isEqualTo(1);
        assertThat(envelope.stats().wrapCalls(b)).isEqualTo(1);
        assertThat(envelope.stats().wrapCalls(c)).isEqualTo(1);
      }
    }
  }
}
