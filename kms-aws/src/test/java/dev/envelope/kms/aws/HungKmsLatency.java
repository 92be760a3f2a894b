package dev.envelope.kms.aws;

import dev.envelope.core.DataKeyCacheLimits;
import dev.envelope.core.Envelope;
import dev.envelope.core.KekCircuit;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.testing.aws.AwsIdentities;
import dev.envelope.testing.aws.FakeAwsKms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a hung preferred KMS costs uncached decrypts, without and with per-KEK circuit breaking
 * (issue 20): envelopes each under its own data key, wrapped under an AWS KMS KEK (the loopback
 * fake, preferred) and a local KEK; then the KMS hangs on every call, and each envelope is
 * decrypted once by a facade that tries AWS first. A benchmark that prints its table, run by {@code
 * kms-aws/hung-kms.sh}; {@code HungKmsLatencyTest} runs it small in every build.
 */
public final class HungKmsLatency {
  private HungKmsLatency() {}

  /** Percentiles of one configuration, in milliseconds, and how often the hung KMS was called. */
  record Row(String circuit, double p50, double p99, double max, long kmsCalls, int decrypts) {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    Duration timeout = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 1000);
    List<Row> rows = run(n, timeout);
    System.out.println(table(rows, timeout));
  }

  static List<Row> run(int n, Duration timeout) throws Exception {
    Path dir = Files.createTempDirectory("hung-kms");
    LocalKekProvider.generate(dir.resolve("dr.key"));
    AwsIdentities identities = new AwsIdentities();
    AwsIdentities.Credentials user = identities.addUser("latency");
    Map<String, String> env =
        Map.of(
            "AWS_ACCESS_KEY_ID",
            user.accessKeyId(),
            "AWS_SECRET_ACCESS_KEY",
            user.secretAccessKey());
    try (FakeAwsKms kms = new FakeAwsKms(identities)) {
      String aws = "aws-kms://" + kms.createSymmetricKey("eu-west-2");
      KeyPolicy policy =
          KeyPolicy.builder()
              .key(
                  "payments",
                  List.of(aws, "local://dr"),
                  List.of(),
                  1,
                  new DataKeyCacheLimits(Duration.ofMinutes(5), 1, 1L << 30))
              .build();
      Map<String, String> awsSettings =
          Map.of(
              "credentials", "static",
              "endpoint", kms.endpoint().toString(),
              "callTimeout", timeout.toString(),
              "attemptTimeout", timeout.toString(),
              "maxAttempts", "1");
      List<byte[]> sealed = new ArrayList<>();
      try (Envelope e = envelope(policy, dir, awsSettings, env, KekCircuit.OFF)) {
        for (int i = 0; i < n; i++) {
          sealed.add(e.encrypt("payments", new byte[] {(byte) i}, Map.of()));
        }
      }
      List<Row> rows = new ArrayList<>();
      for (KekCircuit circuit : List.of(KekCircuit.OFF, KekCircuit.DEFAULTS)) {
        kms.clearFaults();
        // Open the KEK first (DescribeKey) while KMS answers, as a running service would have.
        try (Envelope e = envelope(policy, dir, awsSettings, env, circuit)) {
          e.checkKek("payments", aws);
          kms.hangNext(100_000, Duration.ofSeconds(30)); // KMS now hangs on every call
          kms.clearCalls();
          long[] nanos = new long[n];
          for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            e.decrypt(sealed.get(i), Map.of());
            nanos[i] = System.nanoTime() - start;
          }
          Arrays.sort(nanos);
          rows.add(
              new Row(
                  circuit.enabled() ? "on (defaults: 3 failures, 30 s cool-down)" : "off",
                  nanos[n / 2] / 1e6,
                  nanos[Math.min(n - 1, (int) (n * 0.99))] / 1e6,
                  nanos[n - 1] / 1e6,
                  kms.calls().size(),
                  n));
        }
      }
      kms.clearFaults();
      return rows;
    }
  }

  private static Envelope envelope(
      KeyPolicy policy,
      Path dir,
      Map<String, String> aws,
      Map<String, String> env,
      KekCircuit circuit) {
    return Envelope.builder()
        .policy(policy)
        .localConfig(
            LocalConfig.builder()
                .prefer("aws-kms")
                .provider("aws-kms", aws)
                .provider("local", Map.of("dir", dir.toString()))
                .kekCircuit(circuit)
                .build())
        .provider(new AwsKmsKekProvider(env::get))
        .build();
  }

  static String table(List<Row> rows, Duration timeout) {
    StringBuilder b = new StringBuilder();
    b.append("| circuit breaking | uncached decrypt p50 | p99 | max | calls to the hung KMS |\n");
    b.append("| --- | ---: | ---: | ---: | ---: |\n");
    for (Row r : rows) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f ms | %.2f ms | %.2f ms | %d of %d decrypts (timeout %s each) |%n",
              r.circuit(),
              r.p50(),
              r.p99(),
              r.max(),
              r.kmsCalls(),
              r.decrypts(),
              timeout));
    }
    return b.toString();
  }
}
