package dev.envelope.kmsplugin;

import com.google.protobuf.ByteString;
import dev.envelope.kmsplugin.v2.DecryptRequest;
import dev.envelope.kmsplugin.v2.EncryptRequest;
import dev.envelope.kmsplugin.v2.EncryptResponse;
import dev.envelope.testing.aws.AwsIdentities;
import dev.envelope.testing.aws.FakeAwsKms;
import dev.envelope.testing.aws.FakeSts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A load run of the plugin over its Unix socket, as kube-apiservers load it (a benchmark that
 * prints figures, not a timed test): seeds sealed one per Encrypt (each its own data key, {@code
 * maxMessages: 1}), then a restarted plugin — empty caches — replaying 10,000 Decrypts of them from
 * 16 concurrent callers, then steady-state Decrypt latency at 1 and 16 callers. Once with a local
 * KEK and once with the loopback AWS KMS (SigV4 and STS web identity over HTTP on 127.0.0.1).
 *
 * <pre>{@code
 * envelope-k8s-kms-plugin/load.sh            # prints the Markdown table of the README
 * }</pre>
 */
public final class KmsPluginLoad {
  private KmsPluginLoad() {}

  /** What one run measured. */
  record Figures(
      String kek,
      int seeds,
      Summary encrypt,
      long replayMillis,
      int replayed,
      Summary replay,
      Summary one,
      Summary sixteen) {}

  /** Latency percentiles of a set of calls, in milliseconds. */
  record Summary(double p50, double p99, int calls) {
    static Summary of(long[] nanos) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      return new Summary(
          sorted[(int) (sorted.length * 0.50)] / 1e6,
          sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e6,
          sorted.length);
    }
  }

  public static void main(String[] args) throws Exception {
    int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int replay = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int steady = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
    List<Figures> all = new ArrayList<>();
    all.add(runLocal(seeds, replay, steady));
    all.add(runAws(seeds, replay, steady));
    System.out.println(table(all));
  }

  static Figures runLocal(int seeds, int replay, int steady) throws Exception {
    Path dir = Files.createTempDirectory("kms-load-local");
    PluginFixture f = new PluginFixture(dir);
    f.policy(f.localKek("etcd-a"), "", 1);
    return run("local:// (AES-KWP)", f, f.local, seeds, replay, steady);
  }

  static Figures runAws(int seeds, int replay, int steady) throws Exception {
    Path dir = Files.createTempDirectory("kms-load-aws");
    AwsIdentities identities = new AwsIdentities();
    try (FakeAwsKms kms = new FakeAwsKms(identities);
        FakeSts sts = new FakeSts(identities)) {
      String role = "arn:aws:iam::" + AwsIdentities.ACCOUNT + ":role/etcd-kms";
      Path token = dir.resolve("token");
      Files.writeString(token, "eyJhbGciOiJSUzI1NiJ9.load.sig");
      sts.trustWebIdentity(role, token);
      PluginFixture f = new PluginFixture(dir);
      Files.writeString(
          f.local,
          "version: 1\nproviders:\n  aws-kms:\n    credentials: web-identity\n    roleArn: "
              + role
              + "\n    webIdentityTokenFile: "
              + token
              + "\n    region: eu-west-2\n    endpoint: "
              + kms.endpoint()
              + "\n    stsEndpoint: "
              + sts.endpoint()
              + "\n");
      f.policy("'aws-kms://" + kms.createSymmetricKey("eu-west-2") + "'", "", 1);
      return run("aws-kms:// (loopback fake KMS)", f, f.local, seeds, replay, steady);
    }
  }

  private static Figures run(
      String kek, PluginFixture f, Path local, int seeds, int replay, int steady) throws Exception {
    // One data key per seed, as the apiserver's rare Encrypts get in practice.
    String policy = Files.readString(f.policy);
    Files.writeString(f.policy, policy + "    dataKeyCache: {maxMessages: 1}\n");
    SecureRandom random = new SecureRandom();
    List<EncryptResponse> sealed = new ArrayList<>();
    long[] encryptNanos = new long[seeds];
    try (KmsPlugin plugin = f.start(local);
        ApiServer api = new ApiServer(f.socket)) {
      for (int i = 0; i < seeds; i++) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        long t = System.nanoTime();
        sealed.add(
            api.stub()
                .encrypt(
                    EncryptRequest.newBuilder()
                        .setPlaintext(ByteString.copyFrom(seed))
                        .setUid(UUID.randomUUID().toString())
                        .build()));
        encryptNanos[i] = System.nanoTime() - t;
      }
    }
    // An apiserver restart against a restarted plugin: nothing cached anywhere.
    try (KmsPlugin plugin = f.start(local)) {
      List<ApiServer> clients = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        clients.add(new ApiServer(f.socket));
      }
      long[] replayNanos = new long[replay];
      long start = System.nanoTime();
      calls(clients, 16, replay, sealed, replayNanos);
      long replayMillis = (System.nanoTime() - start) / 1_000_000;
      long[] one = new long[steady / 4];
      calls(clients, 1, one.length, sealed, one);
      long[] sixteen = new long[steady];
      calls(clients, 16, steady, sealed, sixteen);
      for (ApiServer c : clients) {
        c.close();
      }
      return new Figures(
          kek,
          seeds,
          Summary.of(encryptNanos),
          replayMillis,
          replay,
          Summary.of(replayNanos),
          Summary.of(one),
          Summary.of(sixteen));
    }
  }

  private static void calls(
      List<ApiServer> clients, int threads, int n, List<EncryptResponse> sealed, long[] nanos)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      ApiServer c = clients.get(t);
      int from = t;
      done.add(
          pool.submit(
              () -> {
                for (int i = from; i < n; i += threads) {
                  EncryptResponse e = sealed.get(i % sealed.size());
                  long s = System.nanoTime();
                  c.stub()
                      .decrypt(
                          DecryptRequest.newBuilder()
                              .setCiphertext(e.getCiphertext())
                              .setKeyId(e.getKeyId())
                              .putAllAnnotations(e.getAnnotationsMap())
                              .setUid(UUID.randomUUID().toString())
                              .build());
                  nanos[i] = System.nanoTime() - s;
                }
                return null;
              }));
    }
    for (Future<?> d : done) {
      d.get();
    }
    pool.shutdown();
  }

  static String table(List<Figures> all) {
    StringBuilder b = new StringBuilder();
    b.append(
        "| KEK | Encrypt p50 / p99 | Decrypts at start (16 callers) | their p50 / p99 |"
            + " Decrypt p50 / p99, 1 caller | Decrypt p50 / p99, 16 callers |\n");
    b.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (Figures f : all) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f / %.2f ms | %,d in %,d ms (%,.0f/s), %,d distinct seeds | %.2f / %.2f ms |"
                  + " %.3f / %.3f ms | %.3f / %.3f ms |%n",
              f.kek(),
              f.encrypt().p50(),
              f.encrypt().p99(),
              f.replayed(),
              f.replayMillis(),
              f.replayed() * 1000.0 / Math.max(1, f.replayMillis()),
              f.seeds(),
              f.replay().p50(),
              f.replay().p99(),
              f.one().p50(),
              f.one().p99(),
              f.sixteen().p50(),
              f.sixteen().p99()));
    }
    return b.toString();
  }
}
