package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.audit.AuditSink;
import dev.envelope.core.audit.Slf4jAuditSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.spi.LoggingEventAware;

/** The audit trail: which events a facade records, that they hold no secret, and sink isolation. */
class AuditTrailTest {
  private static final byte[] PLAINTEXT =
      "card 4111 1111 1111 1111".getBytes(StandardCharsets.UTF_8);
  private static final Map<String, String> CONTEXT = Map.of("tenant", "acme-secret-tenant");

  /** Records every event, in order. */
  static final class Recording implements AuditSink {
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void accept(AuditEvent event) {
      events.add(event);
    }

    <T extends AuditEvent> List<T> of(Class<T> type) {
      List<T> out = new ArrayList<>();
      events.stream().filter(type::isInstance).map(type::cast).forEach(out::add);
      return out;
    }

    /** Waits (bounded) until an event matching {@code p} arrived: the sink runs on its thread. */
    void await(Predicate<AuditEvent> p) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (events.stream().noneMatch(p)) {
        assertThat(System.nanoTime()).as("event not recorded in time").isLessThan(end);
        Thread.sleep(5);
      }
    }
  }

  private Fixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new Fixture();
    MemoryKekProvider.reset();
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private Envelope.Builder builder(KeyPolicy policy, AuditSink sink) {
    return Envelope.builder()
        .policy(policy)
        .localConfig(fixture.config())
        .provider(new MemoryKekProvider())
        .audit(sink);
  }

  @Test
  void recordsLoadRolloverAndEveryKekCallWithIdentityAndReference() throws Exception {
    Recording sink = new Recording();
    KeyPolicy policy = Fixture.policy("payments", "memory://a", fixture.local("b"));
    byte[] sealed;
    try (Envelope e = builder(policy, sink).build()) {
      sealed = e.encrypt("payments", PLAINTEXT, CONTEXT);
      e.encrypt("payments", PLAINTEXT, CONTEXT); // cached: no new event
    }
    try (Envelope e = builder(policy, sink).localConfig(fixture.config("local://b")).build()) {
      assertThat(e.decrypt(sealed, CONTEXT)).isEqualTo(PLAINTEXT);
    }
    // close() drained the queue: everything is there without waiting.
    assertThat(sink.of(AuditEvent.PolicyReload.class))
        .hasSize(2)
        .allSatisfy(
            r -> {
              assertThat(r.outcome()).isEqualTo(PolicyStatus.Outcome.LOADED);
              assertThat(r.digest()).isEqualTo(policy.digest());
            });
    List<AuditEvent.DataKeyRollover> rollovers = sink.of(AuditEvent.DataKeyRollover.class);
    assertThat(rollovers).hasSize(1);
    assertThat(rollovers.get(0).reason()).isEqualTo("first");
    assertThat(rollovers.get(0).keks()).containsExactly("memory://a", "local://b");
    assertThat(rollovers.get(0).dataKeyRef()).matches("[0-9a-f]{16}");

    List<AuditEvent.KekCall> calls = sink.of(AuditEvent.KekCall.class);
    assertThat(calls)
        .extracting(c -> c.operation() + " " + c.kekUri())
        .containsExactlyInAnyOrder("WRAP memory://a", "WRAP local://b", "UNWRAP local://b");
    AuditEvent.KekCall memoryWrap =
        calls.stream().filter(c -> c.kekUri().equals("memory://a")).findFirst().orElseThrow();
    assertThat(memoryWrap.identity()).isEqualTo("memory-principal");
    assertThat(memoryWrap.reference()).startsWith("memory-request-");
    assertThat(memoryWrap.outcome()).isEqualTo(AuditEvent.Outcome.OK);
    assertThat(memoryWrap.logicalKeyId()).isEqualTo("payments");
    assertThat(memoryWrap.probe()).isFalse();
    AuditEvent.KekCall localUnwrap =
        calls.stream()
            .filter(c -> c.operation() == EnvelopeObserver.KekOperation.UNWRAP)
            .findFirst()
            .orElseThrow();
    assertThat(localUnwrap.identity())
        .isEqualTo("key file " + fixture.dir.resolve("b.key").toAbsolutePath());
    assertThat(localUnwrap.reference()).isNull(); // a file has no service log to match
    assertNoSecrets(sink, sealed);
  }

  @Test
  void parallelWrapsOnWorkerThreadsEachCarryTheirOwnReference() {
    Recording sink = new Recording();
    try (Envelope e =
        Envelope.builder()
            .policy(
                KeyPolicy.builder()
                    .key(
                        "payments",
                        List.of("memory://a", "memory://b", "memory://c"),
                        List.of(),
                        3,
                        new DataKeyCacheLimits(Duration.ofMinutes(5), 1, 1L << 30))
                    .build())
            .provider(new MemoryKekProvider())
            .audit(sink)
            .build()) {
      for (int i = 0; i < 20; i++) {
        e.encrypt("payments", PLAINTEXT, CONTEXT); // three wraps in parallel per message
      }
    }
    List<AuditEvent.KekCall> wraps = sink.of(AuditEvent.KekCall.class);
    assertThat(wraps).hasSize(60);
    // Each worker thread's call kept the reference its own KEK recorded: all distinct, none lost.
    assertThat(wraps)
        .extracting(AuditEvent.KekCall::reference)
        .doesNotContainNull()
        .doesNotHaveDuplicates();
  }

  @Test
  void aFailedKekCallCarriesItsErrorType() {
    Recording sink = new Recording();
    KeyPolicy policy = Fixture.policy("payments", "memory://a");
    byte[] sealed;
    try (Envelope e = builder(policy, sink).build()) {
      sealed = e.encrypt("payments", PLAINTEXT, CONTEXT);
    }
    MemoryKekProvider.UNWRAP_FAILURES.put(
        "memory://a", () -> new KeyUnavailableException("memory KEK: denied", false));
    try (Envelope e = builder(policy, sink).build()) {
      assertThatThrownBy(() -> e.decrypt(sealed, CONTEXT))
          .isInstanceOf(KeyUnavailableException.class);
    }
    AuditEvent.KekCall failed =
        sink.of(AuditEvent.KekCall.class).stream()
            .filter(c -> c.outcome() == AuditEvent.Outcome.FAILED)
            .findFirst()
            .orElseThrow();
    assertThat(failed.errorType()).isEqualTo("KeyUnavailableException");
    assertThat(failed.operation()).isEqualTo(EnvelopeObserver.KekOperation.UNWRAP);
  }

  @Test
  void authenticationFailuresNameTheCheckAndTheHeaderDigestOnly() throws Exception {
    Recording sink = new Recording();
    KeyPolicy policy = Fixture.policy("payments", fixture.local("k"));
    try (Envelope e = builder(policy, sink).build()) {
      byte[] sealed = e.encrypt("payments", PLAINTEXT, CONTEXT);
      int headerLength = Envelope.inspect(sealed).headerBytes();
      String digest =
          "sha256:"
              + HexFormat.of()
                  .formatHex(
                      java.security.MessageDigest.getInstance("SHA-256")
                          .digest(java.util.Arrays.copyOf(sealed, headerLength)));

      assertThatThrownBy(() -> e.decrypt(sealed, Map.of("tenant", "other")))
          .isInstanceOf(AuthenticationException.class);
      byte[] body = sealed.clone();
      body[body.length - 1] ^= 1;
      assertThatThrownBy(() -> e.decrypt(body, CONTEXT))
          .isInstanceOf(AuthenticationException.class);
      // Streams report a body failure when the read hits it.
      assertThatThrownBy(
              () ->
                  e.decryptingStream(new java.io.ByteArrayInputStream(body), CONTEXT)
                      .readAllBytes())
          .isInstanceOf(AuthenticationException.class);
      sink.await(ev -> sink.of(AuditEvent.AuthenticationFailure.class).size() == 3);
      List<AuditEvent.AuthenticationFailure> failures =
          sink.of(AuditEvent.AuthenticationFailure.class);
      assertThat(failures)
          .extracting(AuditEvent.AuthenticationFailure::check)
          .containsExactly(AuditEvent.Check.CONTEXT, AuditEvent.Check.BODY, AuditEvent.Check.BODY);
      assertThat(failures)
          .allSatisfy(
              f -> {
                assertThat(f.logicalKeyId()).isEqualTo("payments");
                assertThat(f.headerDigest()).isEqualTo(digest);
              });
      assertNoSecrets(sink, sealed);
    }
  }

  @Test
  void aWrappedKeyThatDoesNotAuthenticateIsADataKeyFailure() throws Exception {
    Recording sink = new Recording();
    KeyPolicy policy = Fixture.policy("payments", "memory://a");
    try (Envelope e = builder(policy, sink).build()) {
      byte[] sealed = e.encrypt("payments", PLAINTEXT, CONTEXT);
      // As when the wrapped key was altered: the KEK says it does not authenticate.
      MemoryKekProvider.UNWRAP_FAILURES.put(
          "memory://a", () -> new AuthenticationException("memory KEK: tag mismatch"));
      byte[] altered = sealed;
      try (Envelope fresh = builder(policy, sink).build()) {
        assertThatThrownBy(() -> fresh.decrypt(altered, CONTEXT))
            .isInstanceOf(EnvelopeException.class);
      }
      sink.await(ev -> ev instanceof AuditEvent.AuthenticationFailure);
      assertThat(sink.of(AuditEvent.AuthenticationFailure.class).get(0).check())
          .isEqualTo(AuditEvent.Check.DATA_KEY);
    }
  }

  @Test
  void perMessageEventsOnlyWhenAskedFor() {
    Recording off = new Recording();
    Recording on = new Recording();
    KeyPolicy policy = Fixture.policy("payments", fixture.local("k"));
    try (Envelope e = builder(policy, off).build()) {
      e.decrypt(e.encrypt("payments", PLAINTEXT, CONTEXT), CONTEXT);
    }
    try (Envelope e = builder(policy, on).auditMessages(true).build()) {
      e.decrypt(e.encrypt("payments", PLAINTEXT, CONTEXT), CONTEXT);
    }
    assertThat(off.of(AuditEvent.Message.class)).isEmpty();
    assertThat(on.of(AuditEvent.Message.class))
        .extracting(
            m ->
                m.operation()
                    + " "
                    + m.logicalKeyId()
                    + " "
                    + m.plaintextBytes()
                    + " "
                    + m.outcome())
        .containsExactly(
            "ENCRYPT payments " + PLAINTEXT.length + " OK",
            "DECRYPT payments " + PLAINTEXT.length + " OK");
  }

  @Test
  void rolloverReasonsFollowTheCacheLimitsAndThePolicy() throws Exception {
    Recording sink = new Recording();
    String kek = fixture.local("k");
    Path policyFile = fixture.dir.resolve("policy.yaml");
    Files.writeString(
        policyFile,
        "version: 1\nkeys:\n  payments:\n    keks: ["
            + kek
            + "]\n    dataKeyCache: {maxMessages: 2}\n");
    try (Envelope e =
        Envelope.builder()
            .policySource(PolicySource.file(policyFile, Duration.ofMillis(50)))
            .localConfig(fixture.config())
            .audit(sink)
            .build()) {
      for (int i = 0; i < 3; i++) {
        e.encrypt("payments", PLAINTEXT, CONTEXT);
      }
      Files.writeString(
          policyFile,
          "version: 1\nkeys:\n  payments:\n    keks: ["
              + kek
              + "]\n    dataKeyCache: {maxMessages: 5}\n");
      sink.await(
          ev ->
              ev instanceof AuditEvent.PolicyReload r
                  && r.outcome() == PolicyStatus.Outcome.APPLIED);
      e.encrypt("payments", PLAINTEXT, CONTEXT);
    }
    assertThat(sink.of(AuditEvent.DataKeyRollover.class))
        .extracting(AuditEvent.DataKeyRollover::reason)
        .containsExactly("first", "limit", "policy");
    AuditEvent.PolicyReload applied = sink.of(AuditEvent.PolicyReload.class).get(1);
    assertThat(applied.generation()).isEqualTo(2);
  }

  @Test
  void aThrowingSinkChangesNoResult() {
    AuditSink throwing =
        event -> {
          throw new IllegalStateException("sink broken");
        };
    KeyPolicy policy = Fixture.policy("payments", fixture.local("k"));
    try (Envelope e = builder(policy, throwing).auditMessages(true).build()) {
      for (int i = 0; i < 100; i++) {
        assertThat(e.decrypt(e.encrypt("payments", PLAINTEXT, CONTEXT), CONTEXT))
            .isEqualTo(PLAINTEXT);
      }
    }
  }

  @Test
  void aBlockedSinkNeverStallsCallersAndDropsAreReported() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Recording after = new Recording();
    AuditSink blocking =
        event -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          after.accept(event);
        };
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "payments",
                List.of(fixture.local("k")),
                List.of(),
                1,
                new DataKeyCacheLimits(Duration.ofMinutes(5), 1, 1L << 30))
            .build();
    int messages = 4 * 2_500; // each one a rollover and a wrap: more events than the queue holds
    try (Envelope e = builder(policy, blocking).auditMessages(true).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      long start = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < messages / 4; i++) {
                    e.encrypt("payments", PLAINTEXT, CONTEXT);
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS); // would hang forever if a caller waited for the sink
      }
      pool.shutdown();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
      release.countDown();
      after.await(ev -> ev instanceof AuditEvent.EventsDropped);
    }
    long dropped =
        after.of(AuditEvent.EventsDropped.class).stream()
            .mapToLong(AuditEvent.EventsDropped::count)
            .sum();
    // Every event was either delivered or counted as dropped.
    assertThat(after.events.size() - after.of(AuditEvent.EventsDropped.class).size() + dropped)
        .isEqualTo(1 + 3L * messages); // the load, then rollover + wrap + message per encrypt
    assertThat(dropped).isPositive();
  }

  @Test
  void theSlf4jSinkWritesOneJsonLineWithTheSameKeyValuePairs() {
    List<LoggingEvent> lines = new CopyOnWriteArrayList<>();
    Slf4jAuditSink sink = new Slf4jAuditSink(new CapturingLogger(lines));
    KeyPolicy policy = Fixture.policy("payments", "memory://a");
    try (Envelope e = builder(policy, sink).build()) {
      e.encrypt("payments", PLAINTEXT, CONTEXT);
    }
    assertThat(lines).hasSize(3); // load, wrap, rollover
    LoggingEvent wrap = lines.get(1);
    assertThat(wrap.getLevel()).isEqualTo(org.slf4j.event.Level.INFO);
    assertThat(wrap.getMessage())
        .startsWith("{\"event\":\"kek-call\",\"time\":\"")
        .contains(
            "\"operation\":\"wrap\",\"logicalKey\":\"payments\",\"kek\":\"memory://a\",\"identity\":\"memory-principal\",\"outcome\":\"OK\"")
        .contains("\"reference\":\"memory-request-");
    Map<String, Object> pairs = new java.util.LinkedHashMap<>();
    for (KeyValuePair p : wrap.getKeyValuePairs()) {
      pairs.put(p.key, p.value);
    }
    assertThat(pairs)
        .containsEntry("event", "kek-call")
        .containsEntry("kek", "memory://a")
        .containsEntry("outcome", "OK")
        .containsKeys("time", "latencyMicros", "reference");
    assertThat(wrap.getLoggerName()).isEqualTo("test-audit");
  }

  private static void assertNoSecrets(Recording sink, byte[] envelope) {
    List<String> secrets = new ArrayList<>();
    secrets.add(new String(PLAINTEXT, StandardCharsets.UTF_8));
    secrets.add("acme-secret-tenant");
    for (byte[] key : MemoryKekProvider.SEEN_KEY_BYTES) {
      secrets.addAll(forms(key));
    }
    for (byte[] key : MemoryKekProvider.KEYS.values()) {
      secrets.addAll(forms(key));
    }
    for (AuditEvent e : sink.events) {
      String line = Slf4jAuditSink.json(e.fields()) + " " + e;
      for (String s : secrets) {
        assertThat(line).doesNotContain(s);
      }
    }
    assertThat(sink.events).isNotEmpty();
  }

  static List<String> forms(byte[] secret) {
    return List.of(
        HexFormat.of().formatHex(secret),
        HexFormat.of().withUpperCase().formatHex(secret),
        Base64.getEncoder().encodeToString(secret),
        Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
  }

  /** An SLF4J 2 logger that keeps each event with its key-value pairs, as JSON encoders see it. */
  private static final class CapturingLogger extends LegacyAbstractLogger
      implements LoggingEventAware {
    private final List<LoggingEvent> events;

    CapturingLogger(List<LoggingEvent> events) {
      this.events = events;
      this.name = "test-audit";
    }

    @Override
    public void log(LoggingEvent event) {
      events.add(event);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        org.slf4j.event.Level level,
        org.slf4j.Marker marker,
        String msg,
        Object[] args,
        Throwable t) {
      throw new AssertionError("the sink must use the fluent API");
    }

    @Override
    public boolean isTraceEnabled() {
      return true;
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }
  }
}
