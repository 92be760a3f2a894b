package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.PolicyStatus.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reload without restart: a real file source over a directory laid out as the kubelet lays out a
 * ConfigMap volume ({@code policy.yaml -> ..data/policy.yaml}, {@code ..data -> ..TIMESTAMP}),
 * versions published by atomically re-pointing {@code ..data}, real local KEK files.
 */
class LivePolicyTest {
  private static final Map<String, String> CTX = Map.of("tenant", "acme");
  private static final Duration POLL = Duration.ofMillis(20);

  private Fixture fixture;
  private Path volume;
  private int versions;
  private String a;
  private String b;
  private String c;

  @BeforeEach
  void setUp() throws IOException {
    fixture = new Fixture();
    a = fixture.local("a");
    b = fixture.local("b");
    c = fixture.local("c");
    volume = Files.createTempDirectory("envelope-configmap-");
  }

  @AfterEach
  void tearDown() throws IOException {
    fixture.close();
    try (var files = Files.walk(volume)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Publishes a version as the kubelet does: a new timestamped directory, then a symlink swap. */
  private void publish(String policyYaml) throws IOException {
    Path version = volume.resolve("..2026_12_02_00_00_0" + (versions++) + ".12345");
    Files.createDirectory(version);
    Files.writeString(version.resolve("policy.yaml"), policyYaml, StandardCharsets.UTF_8);
    Path tmp = volume.resolve("..data_tmp");
    Files.createSymbolicLink(tmp, version.getFileName());
    Files.move(tmp, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    Path link = volume.resolve("policy.yaml");
    if (!Files.isSymbolicLink(link)) {
      Files.createSymbolicLink(link, Path.of("..data", "policy.yaml"));
    }
  }

  private static String yaml(List<String> keks, List<String> decryptOnly) {
    return "version: 1\nkeys:\n  payments:\n    keks: "
        + keks
        + "\n"
        + (decryptOnly.isEmpty() ? "" : "    decryptOnly: " + decryptOnly + "\n");
  }

  private Envelope watching(EnvelopeObserver observer) {
    return Envelope.builder()
        .policySource(PolicySource.file(volume.resolve("policy.yaml"), POLL))
        .localConfig(fixture.config())
        .observer(observer)
        .build();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(5);
    }
  }

  /** An observer that keeps every policy status it is told of. */
  private static EnvelopeObserver recording(List<PolicyStatus> reported) {
    return new EnvelopeObserver() {
      @Override
      public void policyReload(PolicyStatus status, KeyPolicy inForce) {
        reported.add(status);
      }
    };
  }

  private static List<String> recipients(byte[] envelope, KeyPolicy policy) {
    return Envelope.inspect(envelope, policy).recipients().stream()
        .map(r -> r.kekUri().orElse("?"))
        .toList();
  }

  @Test
  void aConfigMapSymlinkSwapIsAppliedWithoutARestart() throws Exception {
    publish(yaml(List.of(a), List.of()));
    List<PolicyStatus> reported = new CopyOnWriteArrayList<>();
    try (Envelope envelope = watching(recording(reported))) {
      PolicyStatus first = envelope.policyStatus();
      assertThat(first.generation()).isEqualTo(1);
      assertThat(first.lastOutcome()).isEqualTo(Outcome.LOADED);
      assertThat(first.source()).contains("policy.yaml");
      byte[] old = envelope.encrypt("payments", "old".getBytes(StandardCharsets.UTF_8), CTX);

      String v2 = yaml(List.of(b), List.of(a));
      publish(v2);
      await(() -> envelope.policyStatus().generation() == 2);

      PolicyStatus second = envelope.policyStatus();
      assertThat(second.lastOutcome()).isEqualTo(Outcome.APPLIED);
      assertThat(second.digest())
          .isEqualTo(KeyPolicy.parse(v2, "v2").digest())
          .isNotEqualTo(first.digest());
      assertThat(envelope.policy().key("payments").orElseThrow().keks()).containsExactly(b);
      byte[] fresh = envelope.encrypt("payments", "new".getBytes(StandardCharsets.UTF_8), CTX);
      assertThat(recipients(fresh, envelope.policy())).containsExactly(b);
      assertThat(envelope.decrypt(old, CTX)).asString().isEqualTo("old"); // a is decryptOnly now
      assertThat(reported)
          .extracting(PolicyStatus::lastOutcome)
          .containsExactly(Outcome.LOADED, Outcome.APPLIED);
    }
  }

  @Test
  void aCachedDataKeyIsNotUsedOnceItsLogicalKeysKeksChanged() throws Exception {
    publish(yaml(List.of(a), List.of()));
    try (Envelope envelope = watching(EnvelopeObserver.NONE)) {
      byte[] one = envelope.encrypt("payments", new byte[10], CTX);
      byte[] two = envelope.encrypt("payments", new byte[10], CTX);
      assertThat(envelope.stats().wrapCalls(a)).isEqualTo(1); // the data key is cached
      assertThat(Envelope.inspect(two).recipients()).isEqualTo(Envelope.inspect(one).recipients());

      publish(yaml(List.of(a, c), List.of()));
      await(() -> envelope.policyStatus().generation() == 2);
      byte[] three = envelope.encrypt("payments", new byte[10], CTX);
      assertThat(recipients(three, envelope.policy())).containsExactly(a, c);
      assertThat(envelope.stats().wrapCalls(a)).isEqualTo(2); // a new data key, wrapped anew
      assertThat(envelope.stats().wrapCalls(c)).isEqualTo(1);
    }
  }

  @Test
  void decryptUsesTheNewReadSetEvenForADataKeyStillCached() throws Exception {
    publish(yaml(List.of(a), List.of()));
    try (Envelope envelope = watching(EnvelopeObserver.NONE)) {
      byte[] sealed = envelope.encrypt("payments", "x".getBytes(StandardCharsets.UTF_8), CTX);
      envelope.decrypt(sealed, CTX); // the header cache and the decrypt cache now hold its key

      publish(yaml(List.of(b), List.of()));
      await(() -> envelope.policyStatus().generation() == 2);
      assertThatThrownBy(() -> envelope.decrypt(sealed, CTX))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageContaining("was its KEK removed");

      publish(yaml(List.of(b), List.of(a))); // and back: readable again, no restart
      await(() -> envelope.policyStatus().generation() == 3);
      assertThat(envelope.decrypt(sealed, CTX)).asString().isEqualTo("x");
    }
  }

  @Test
  void anInvalidVersionIsRejectedTheLastGoodOneStaysAndTheFailureIsVisible() throws Exception {
    publish(yaml(List.of(a), List.of()));
    List<PolicyStatus> reported = new CopyOnWriteArrayList<>();
    try (Envelope envelope = watching(recording(reported))) {
      String goodDigest = envelope.policyStatus().digest();

      publish("version: 1\nkeys:\n  payments:\n    keks: [" + a + "]\n    minWrap: 2\n");
      await(() -> envelope.policyStatus().lastOutcome() == Outcome.REJECTED);
      PolicyStatus rejected = envelope.policyStatus();
      assertThat(rejected.healthy()).isFalse();
      assertThat(rejected.generation()).isEqualTo(1);
      assertThat(rejected.digest()).isEqualTo(goodDigest);
      assertThat(rejected.lastError().orElseThrow())
          .contains("policy.yaml")
          .contains("keys.payments.minWrap");
      byte[] sealed = envelope.encrypt("payments", new byte[3], CTX);
      assertThat(recipients(sealed, envelope.policy())).containsExactly(a);

      // One the parser accepts but the provider refuses: a key name that could escape its dir.
      publish(yaml(List.of("local://-escape"), List.of()));
      await(() -> reported.size() == 3);
      assertThat(envelope.policyStatus().lastError().orElseThrow())
          .contains("keys.payments.keks[0]");
      assertThat(envelope.policyStatus().generation()).isEqualTo(1);

      Thread.sleep(POLL.toMillis() * 5); // the same bad bytes are reported once, not per read
      assertThat(reported).hasSize(3);

      publish(yaml(List.of(a, b), List.of()));
      await(() -> envelope.policyStatus().generation() == 2);
      assertThat(envelope.policyStatus().healthy()).isTrue();
      assertThat(envelope.policyStatus().lastError()).isEmpty();
      assertThat(reported)
          .extracting(PolicyStatus::lastOutcome)
          .containsExactly(Outcome.LOADED, Outcome.REJECTED, Outcome.REJECTED, Outcome.APPLIED);
    }
  }

  @Test
  void aVersionThatSaysTheSameIsUnchangedAndAVanishedFileIsRejected() throws Exception {
    publish(yaml(List.of(a), List.of()));
    try (Envelope envelope = watching(EnvelopeObserver.NONE)) {
      // Same policy, other form: manifest, comments, other spacing.
      publish(
          "# moved to the manifest form\napiVersion: envelope.dev/v1alpha1\nkind: KeyPolicy\n"
              + "metadata: {name: shared}\nspec:\n  keys:\n    payments: {keks: ["
              + a
              + "]}\n");
      await(() -> envelope.policyStatus().lastOutcome() == Outcome.UNCHANGED);
      assertThat(envelope.policyStatus().generation()).isEqualTo(1);

      Files.delete(volume.resolve("policy.yaml"));
      await(() -> envelope.policyStatus().lastOutcome() == Outcome.REJECTED);
      assertThat(envelope.policyStatus().lastError().orElseThrow()).contains("file not found");
      assertThat(envelope.encrypt("payments", new byte[1], CTX)).isNotEmpty();
    }
  }

  @Test
  void anInvalidFileAtStartFailsTheBuildTypedAndClosingStopsThePoller() throws Exception {
    publish("version: 1\nkeys: {}\n");
    assertThatThrownBy(() -> watching(EnvelopeObserver.NONE))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("at least one logical key");

    publish(yaml(List.of(a), List.of()));
    Envelope envelope = watching(EnvelopeObserver.NONE);
    await(() -> pollerThreads() == 1);
    envelope.close();
    await(() -> pollerThreads() == 0);
  }

  private static long pollerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("envelope-policy-file-") && t.isAlive())
        .count();
  }

  /**
   * Many threads encrypt and decrypt while the policy flips between two write sets: no call fails,
   * and every envelope carries exactly one version's write set, never a mix.
   */
  @Test
  void swapsUnderLoadAreAtomicAndNothingFails() throws Exception {
    String v1 = yaml(List.of(a), List.of(b));
    String v2 = yaml(List.of(b), List.of(a));
    publish(v1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger calls = new AtomicInteger();
    try (Envelope envelope = watching(EnvelopeObserver.NONE)) {
      List<Future<List<String>>> workers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        workers.add(
            pool.submit(
                () -> {
                  List<String> seen = new ArrayList<>();
                  byte[] plain = ("worker " + id).getBytes(StandardCharsets.UTF_8);
                  while (!stop.get()) {
                    // A fresh context per call: a new header, and so a real recipient search.
                    Map<String, String> ctx = Map.of("n", Integer.toString(calls.get()));
                    byte[] sealed = envelope.encrypt("payments", plain, ctx);
                    assertThat(envelope.decrypt(sealed, ctx)).isEqualTo(plain);
                    List<String> r = recipients(sealed, KeyPolicy.parse(v1, "v1"));
                    seen.add(String.join(",", r));
                    calls.incrementAndGet();
                  }
                  return seen;
                }));
      }
      for (int i = 0; i < 20; i++) {
        publish(i % 2 == 0 ? v2 : v1);
        int generation = i + 2;
        await(() -> envelope.policyStatus().generation() == generation);
      }
      stop.set(true);
      List<String> all = new ArrayList<>();
      for (Future<List<String>> w : workers) {
        all.addAll(w.get(30, TimeUnit.SECONDS));
      }
      assertThat(all).isNotEmpty().allMatch(r -> r.equals(a) || r.equals(b));
      assertThat(all).contains(a, b);
      assertThat(envelope.policyStatus().generation()).isEqualTo(21);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theLocalConfigNamesTheSource() throws Exception {
    publish(yaml(List.of(a), List.of()));
    Path policyFile = volume.resolve("policy.yaml");
    LocalConfig watched =
        LocalConfig.parse(
            "version: 1\npolicySource: {kind: file, path: '"
                + policyFile
                + "', reloadInterval: PT0.02S}\n",
            "local.yaml");
    try (Envelope envelope =
        Envelope.builder()
            .policySource(PolicySource.configured(watched).orElseThrow())
            .localConfig(fixture.config())
            .build()) {
      publish(yaml(List.of(b), List.of()));
      await(() -> envelope.policyStatus().generation() == 2);
    }
    LocalConfig once =
        LocalConfig.parse(
            "version: 1\npolicySource: {kind: file, path: '"
                + policyFile
                + "', reloadInterval: off}\n",
            "local.yaml");
    PolicySource fixed = PolicySource.configured(once).orElseThrow();
    assertThat(fixed.load().key("payments").orElseThrow().keks()).containsExactly(b);
    assertThat(PolicySource.configured(LocalConfig.empty())).isEmpty();
    assertThatThrownBy(
            () ->
                PolicySource.configured(
                    LocalConfig.parse(
                        "version: 1\npolicySource: {kind: kubernetes, name: x}\n", "local.yaml")))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("add the module envelope-kubernetes");
    assertThatThrownBy(
            () -> LocalConfig.parse("version: 1\npolicySource: {path: /x}\n", "local.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("policySource.kind");
    assertThatThrownBy(
            () ->
                PolicySource.configured(
                    LocalConfig.parse(
                        "version: 1\npolicySource: {kind: file, path: /x, every: PT1S}\n",
                        "local.yaml")))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("every");
  }
}
