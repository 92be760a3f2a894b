package dev.envelope.kmsplugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.envelope.kek.hpke.HpkeKekProvider;
import dev.envelope.kmsplugin.v2.StatusRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin against an apiserver harness, over real gRPC on a real Unix socket. */
class ApiServerHarnessTest {
  @TempDir Path dir;
  private PluginFixture fixture;

  @BeforeEach
  void setUp() throws IOException {
    fixture = new PluginFixture(dir);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(end);
      Thread.sleep(50);
    }
  }

  @Test
  void severalApiserversSealTheirOwnSeedsAndEveryoneOpensThem() throws Exception {
    fixture.policy(fixture.localKek("etcd-a"), "", 1);
    try (KmsPlugin plugin = fixture.start()) {
      List<ApiServer> apiservers = new ArrayList<>();
      List<ApiServer.Stored> stored = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ApiServer a = new ApiServer(fixture.socket);
        apiservers.add(a);
        stored.add(a.sealer());
      }
      // One key_id for all while the write set is unchanged; each apiserver its own seed.
      assertThat(stored).extracting(ApiServer.Stored::keyId).containsOnly(stored.get(0).keyId());
      assertThat(stored.get(0).keyId()).startsWith("envelope:v1:etcd:");
      assertThat(new HashSet<>(stored.stream().map(s -> ByteString.copyFrom(s.seed())).toList()))
          .hasSize(3);
      assertThat(apiservers.get(0).sealer())
          .isSameAs(stored.get(0)); // no Encrypt without a new key_id
      for (ApiServer a : apiservers) {
        for (ApiServer.Stored s : stored) {
          assertThat(a.open(s)).isEqualTo(s.seed());
        }
      }
      for (ApiServer a : apiservers) {
        a.close();
      }
    }
  }

  @Test
  void unknownKeyIdsAlteredCiphertextsAndAnnotationsAreRefused() throws Exception {
    fixture.policy(fixture.localKek("etcd-a"), "", 1);
    try (KmsPlugin plugin = fixture.start();
        ApiServer api = new ApiServer(fixture.socket)) {
      ApiServer.Stored s = api.sealer();
      for (String keyId :
          List.of(
              "",
              "someone-else:1",
              "envelope:v1:other:1:0123456789abcdef",
              s.keyId().substring(0, s.keyId().length() - 1)
                  + (s.keyId().endsWith("0") ? "1" : "0"))) {
        assertThatThrownBy(
                () ->
                    api.open(
                        new ApiServer.Stored(s.seed(), s.ciphertext(), keyId, s.annotations())))
            .as(keyId)
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      }
      byte[] altered = s.ciphertext().toByteArray();
      altered[altered.length - 1] ^= 1;
      assertThatThrownBy(
              () ->
                  api.open(
                      new ApiServer.Stored(
                          s.seed(), ByteString.copyFrom(altered), s.keyId(), s.annotations())))
          .isInstanceOf(StatusRuntimeException.class);
      assertThatThrownBy(
              () ->
                  api.open(
                      new ApiServer.Stored(
                          s.seed(),
                          s.ciphertext(),
                          s.keyId(),
                          Map.of("x.example.com", ByteString.copyFromUtf8("1")))))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getDescription()).contains("were not returned"));
    }
  }

  @Test
  void largeEnvelopesTravelInAnAnnotationBoundToTheCiphertext() throws Exception {
    // Two X-Wing recipients: over 2 KiB of wrapped keys, more than a 1 KiB ciphertext holds.
    Path hpke = Files.createDirectories(dir.resolve("hpke"));
    String a = HpkeKekProvider.generate("xwing", hpke).uri();
    String b = HpkeKekProvider.generate("xwing", hpke).uri();
    fixture.policy("'" + a + "', '" + b + "'", "", 2);
    Files.writeString(
        fixture.local, Files.readString(fixture.local) + "  hpke:\n    dir: " + hpke + "\n");
    try (KmsPlugin plugin = fixture.start();
        ApiServer api = new ApiServer(fixture.socket)) {
      ApiServer.Stored s = api.sealer();
      assertThat(s.ciphertext().size()).isEqualTo(36);
      assertThat(s.annotations()).containsOnlyKeys(SealedSeeds.ANNOTATION);
      assertThat(s.annotations().get(SealedSeeds.ANNOTATION).size()).isGreaterThan(2048);
      assertThat(api.open(s)).isEqualTo(s.seed());
      byte[] changed = s.annotations().get(SealedSeeds.ANNOTATION).toByteArray();
      changed[changed.length - 1] ^= 1;
      assertThatThrownBy(
              () ->
                  api.open(
                      new ApiServer.Stored(
                          s.seed(),
                          s.ciphertext(),
                          s.keyId(),
                          Map.of(SealedSeeds.ANNOTATION, ByteString.copyFrom(changed)))))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e ->
                  assertThat(e.getStatus().getDescription())
                      .contains("does not match the ciphertext"));
    }
  }

  @Test
  void aRotationChangesTheKeyIdOnceAndNeverBackWhileOldCiphertextsStillOpen() throws Exception {
    String a = fixture.localKek("etcd-a");
    String b = fixture.localKek("etcd-b");
    fixture.policy(a, "", 1);
    try (KmsPlugin plugin = fixture.start();
        ApiServer api = new ApiServer(fixture.socket);
        ApiServer watcher = new ApiServer(fixture.socket)) {
      List<String> polled = watcher.pollStatus(Duration.ofMillis(20));
      ApiServer.Stored underA = api.sealer();
      // Rotate: B wraps, A only opens. The live policy changes key_id without a restart.
      fixture.policy(b, a, 1);
      await(
          () -> !api.status().getKeyId().equals(underA.keyId()), "key_id changes after the reload");
      String idB = api.status().getKeyId();
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        seen.add(api.status().getKeyId());
      }
      assertThat(seen).containsExactly(idB); // changed once, then stable
      ApiServer.Stored underB = api.sealer();
      assertThat(underB.keyId()).isEqualTo(idB);
      assertThat(api.open(underA)).isEqualTo(underA.seed());
      // Back to A's write set: a third id, never A's again.
      fixture.policy(a, b, 1);
      await(() -> !api.status().getKeyId().equals(idB), "key_id changes again");
      String idA2 = api.status().getKeyId();
      assertThat(idA2).isNotEqualTo(underA.keyId()).isNotEqualTo(idB);
      assertThat(api.open(underA)).isEqualTo(underA.seed());
      assertThat(api.open(underB)).isEqualTo(underB.seed());
      // Status polled on a schedule throughout saw each id once, in order, never going back.
      await(() -> polled.contains(idA2), "the poller sees the third id");
      assertThat(polled).containsExactly(underA.keyId(), idB, idA2);
    }
  }

  @Test
  void aRestartKeepsTheKeyIdAndReplaysThousandsOfConcurrentDecrypts() throws Exception {
    fixture.policy(fixture.localKek("etcd-a"), "", 1);
    List<ApiServer.Stored> stored = new ArrayList<>();
    String keyId;
    try (KmsPlugin plugin = fixture.start()) {
      for (int i = 0; i < 20; i++) {
        try (ApiServer api = new ApiServer(fixture.socket)) {
          stored.add(api.sealer()); // twenty apiserver lifetimes, each with its own seed
        }
      }
      keyId = stored.get(0).keyId();
    }
    assertThat(Files.exists(fixture.socket)).as("the socket is removed at shutdown").isFalse();
    try (KmsPlugin plugin = fixture.start()) {
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<ApiServer> clients = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        clients.add(new ApiServer(fixture.socket));
      }
      assertThat(clients.get(0).status().getKeyId()).isEqualTo(keyId);
      List<Future<Integer>> results = new ArrayList<>();
      int total = 4_000;
      for (int t = 0; t < 16; t++) {
        ApiServer c = clients.get(t);
        int from = t;
        Callable<Integer> work =
            () -> {
              int ok = 0;
              for (int i = from; i < total; i += 16) {
                ApiServer.Stored s = stored.get(i % stored.size());
                if (java.util.Arrays.equals(c.open(s), s.seed())) {
                  ok++;
                }
              }
              return ok;
            };
        results.add(pool.submit(work));
      }
      int ok = 0;
      for (Future<Integer> f : results) {
        ok += f.get();
      }
      assertThat(ok).isEqualTo(total);
      pool.shutdown();
      for (ApiServer c : clients) {
        c.close();
      }
    }
  }

  @Test
  void statusStopsWritesWhenTheKeyCannotSealAndRecovers() throws Exception {
    String a = fixture.localKek("etcd-a");
    fixture.policy(a, "", 1);
    try (KmsPlugin plugin = fixture.start();
        ApiServer api = new ApiServer(fixture.socket)) {
      ApiServer.Stored s = api.sealer();
      // The write set moves to a KEK this node cannot use (its key file is not here).
      fixture.policy("local://missing", a, 1);
      await(
          () -> {
            try {
              api.stub().status(StatusRequest.getDefaultInstance());
              return false;
            } catch (StatusRuntimeException e) {
              return e.getStatus().getCode() == Status.Code.UNAVAILABLE;
            }
          },
          "Status fails UNAVAILABLE once sealing is impossible");
      assertThatThrownBy(() -> api.stub().status(StatusRequest.getDefaultInstance()))
          .hasMessageContaining("cannot seal: 0 of 1 KEKs wrap (minWrap 1)");
      // Reads still work: the old KEK is decrypt-only and already open here.
      assertThat(api.open(s)).isEqualTo(s.seed());
      // The missing key appears (a secret mounted late): the next check sees it, no restart.
      fixture.localKek("missing");
      await(
          () -> {
            try {
              return api.status().getHealthz().equals("ok");
            } catch (StatusRuntimeException e) {
              return false;
            }
          },
          "recovers by itself");
    }
  }

  @Test
  void theSocketIsOwnerOnlyAStaleOneIsReplacedAndALiveOneOrAFileIsNot() throws Exception {
    fixture.policy(fixture.localKek("etcd-a"), "", 1);
    Files.createDirectories(fixture.socket.getParent());
    // A crashed run leaves its socket file behind: bound once, nobody listening.
    try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      crashed.bind(UnixDomainSocketAddress.of(fixture.socket));
    }
    assertThat(Files.exists(fixture.socket)).isTrue();
    try (KmsPlugin plugin = fixture.start()) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fixture.socket)))
          .isEqualTo("rw-------");
      // A second plugin on the same socket finds it served and refuses to start.
      assertThatThrownBy(fixture::start)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("served by another running process");
      try (ApiServer api = new ApiServer(fixture.socket)) {
        assertThat(api.status().getHealthz()).isEqualTo("ok");
      }
    }
    Files.writeString(fixture.socket, "not a socket");
    assertThatThrownBy(fixture::start)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is not a socket");
    assertThat(Files.readString(fixture.socket)).isEqualTo("not a socket");
  }

  @Test
  void healthLivenessAndPrometheusMetricsOnTheLoopbackPort() throws Exception {
    fixture.policy(fixture.localKek("etcd-a"), "", 1);
    try (KmsPlugin plugin = fixture.start();
        ApiServer api = new ApiServer(fixture.socket)) {
      ApiServer.Stored s = api.sealer();
      api.open(s);
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + plugin.healthPort();
      HttpResponse<String> livez =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/livez")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(livez.statusCode()).isEqualTo(200);
      HttpResponse<String> healthz =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(healthz.statusCode()).isEqualTo(200);
      assertThat(healthz.body()).isEqualTo("ok\n");
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics)
          .contains("envelope_kms_requests_seconds_count{method=\"Encrypt\",outcome=\"ok\"} 1")
          .contains("envelope_kms_requests_seconds_count{method=\"Decrypt\",outcome=\"ok\"} 1")
          .contains(
              "envelope_kms_key_id_info{key_id_hash=\"" + PluginMetrics.hash(s.keyId()) + "\"} 1")
          .contains("envelope_kms_healthy 1")
          .contains(
              "envelope_kms_kek_calls_seconds_count{kek=\"local://etcd-a\",operation=\"wrap\",outcome=\"success\"}");
      assertThat(metrics).doesNotContain(s.keyId()); // by hash only
    }
  }
}
