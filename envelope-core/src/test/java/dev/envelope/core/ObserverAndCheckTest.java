package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The observer hook (metrics) and KEK checks (health). */
class ObserverAndCheckTest {
  record Seen(String what, String key, String kek, String outcome) {}

  private static final class Recording implements EnvelopeObserver {
    final List<Seen> seen = new CopyOnWriteArrayList<>();

    @Override
    public void operation(
        Operation operation,
        String logicalKeyId,
        long plaintextBytes,
        long nanos,
        EnvelopeException failure) {
      assertThat(nanos).isPositive();
      seen.add(
          new Seen(
              operation.name(),
              logicalKeyId,
              null,
              failure == null ? "ok:" + plaintextBytes : failure.getClass().getSimpleName()));
    }

    @Override
    public void kekCall(
        KekOperation operation,
        String logicalKeyId,
        String kekUri,
        long nanos,
        RuntimeException failure) {
      seen.add(
          new Seen(
              operation.name(),
              logicalKeyId,
              kekUri,
              failure == null ? "ok" : failure.getClass().getSimpleName()));
    }
  }

  @Test
  void theObserverSeesOperationsKekCallsAndFailuresByType() {
    try (Fixture f = new Fixture()) {
      String kek = f.local("obs");
      Recording recording = new Recording();
      try (Envelope envelope =
          Envelope.builder()
              .policy(Fixture.policy("payments", kek))
              .localConfig(f.config())
              .observer(recording)
              .build()) {
        byte[] sealed = envelope.encrypt("payments", new byte[10], Map.of());
        envelope.decrypt(sealed, Map.of());
        assertThatThrownBy(() -> envelope.decrypt(sealed, Map.of("tenant", "x")))
            .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> envelope.decrypt(new byte[] {1, 2, 3}, Map.of()))
            .isInstanceOf(MalformedEnvelopeException.class);
      }
      assertThat(recording.seen)
          .containsExactly(
              new Seen("WRAP", "payments", kek, "ok"),
              new Seen("ENCRYPT", "payments", null, "ok:10"),
              new Seen("UNWRAP", "payments", kek, "ok"),
              new Seen("DECRYPT", "payments", null, "ok:10"),
              new Seen("DECRYPT", "payments", null, "AuthenticationException"),
              new Seen("DECRYPT", null, null, "MalformedEnvelopeException"));
    }
  }

  @Test
  void aFailingObserverNeverChangesAResult() {
    try (Fixture f = new Fixture()) {
      String kek = f.local("obs2");
      EnvelopeObserver broken =
          new EnvelopeObserver() {
            @Override
            public void operation(
                Operation operation,
                String logicalKeyId,
                long plaintextBytes,
                long nanos,
                EnvelopeException failure) {
              throw new IllegalStateException("metrics backend down");
            }
          };
      try (Envelope envelope =
          Envelope.builder()
              .policy(Fixture.policy("payments", kek))
              .localConfig(f.config())
              .observer(broken)
              .build()) {
        byte[] sealed = envelope.encrypt("payments", new byte[3], Map.of());
        assertThat(envelope.decrypt(sealed, Map.of())).hasSize(3);
      }
    }
  }

  @Test
  void checkKekWrapsAndUnwrapsAThrowawayKeyAndReportsTypedProblems() throws Exception {
    try (Fixture f = new Fixture()) {
      String good = f.local("good");
      String missing = "local://not-here";
      try (Envelope envelope =
          Envelope.builder()
              .policy(Fixture.policy("payments", good, missing))
              .localConfig(f.config())
              .build()) {
        assertThat(envelope.checkKek("payments", good))
            .isEqualTo(new KekCheck(good, true, true, null));
        KekCheck bad = envelope.checkKek("payments", missing);
        assertThat(bad.canWrap()).isFalse();
        assertThat(bad.problem()).startsWith("KeyUnavailableException").contains("not-here");
        assertThatThrownBy(() -> envelope.checkKek("payments", "local://other"))
            .isInstanceOf(IllegalArgumentException.class);
      }
    }
    assertThat(EnvelopeInfo.kekReference("local://golden")).hasSize(16).matches("[0-9a-f]+");
  }
}
