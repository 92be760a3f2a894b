package dev.envelope.samples.rotation;

import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.PolicySource;
import dev.envelope.core.PolicyStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The two halves of the rotation drill.
 *
 * <p>{@code cluster NAME PEER POLICY KEYS STORE STATUS}: one cluster's workload. It watches its
 * policy file (a ConfigMap volume layout) and, until {@code STORE/../stop} appears, seals a record
 * every few milliseconds into {@code STORE/NAME-N.env} and opens records the peer and it wrote,
 * checking each plaintext. It writes its counters and the policy in force to {@code STATUS} as it
 * goes and exits 0 only if no read or write failed.
 *
 * <p>{@code inventory POLICY STORE OUT}: which KEKs the stored envelopes are wrapped under (headers
 * only); writes the files that still have a recipient under a decrypt-only KEK to {@code OUT}.
 */
public final class Drill {
  private Drill() {}

  public static void main(String[] args) throws Exception {
    switch (args.length > 0 ? args[0] : "") {
      case "cluster" ->
          System.exit(
              cluster(
                  args[1],
                  args[2],
                  Path.of(args[3]),
                  Path.of(args[4]),
                  Path.of(args[5]),
                  Path.of(args[6])));
      case "inventory" -> inventory(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]));
      default -> {
        System.err.println(
            "usage: cluster NAME PEER POLICY KEYS STORE STATUS" + " | inventory POLICY STORE OUT");
        System.exit(2);
      }
    }
  }

  private static int cluster(
      String name, String peer, Path policy, Path keys, Path store, Path status) throws Exception {
    Path stop = store.resolveSibling("stop");
    long writes = 0;
    long reads = 0;
    List<String> failures = new ArrayList<>();
    try (Envelope envelope =
        Envelope.builder()
            .policySource(PolicySource.file(policy, Duration.ofMillis(100)))
            .localConfig(
                LocalConfig.builder().provider("local", Map.of("dir", keys.toString())).build())
            .build()) {
      long lastStatus = 0;
      for (long n = 0; !Files.exists(stop); n++) {
        try {
          byte[] sealed = envelope.encrypt("payments", record(name, n), context(name, n));
          Path tmp = store.resolve("." + name + "-" + n + ".tmp");
          Files.write(tmp, sealed);
          Files.move(tmp, store.resolve(name + "-" + n + ".env"), StandardCopyOption.ATOMIC_MOVE);
          writes++;
        } catch (RuntimeException | IOException e) {
          failures.add("write " + name + "-" + n + ": " + e);
        }
        for (String who : List.of(peer, peer, name)) {
          long m = pick(store, who);
          if (m < 0) {
            continue;
          }
          try {
            byte[] sealed = Files.readAllBytes(store.resolve(who + "-" + m + ".env"));
            byte[] opened = envelope.decrypt(sealed, context(who, m));
            if (!java.util.Arrays.equals(opened, record(who, m))) {
              failures.add("read " + who + "-" + m + ": other plaintext");
            }
            reads++;
          } catch (NoSuchFileException e) {
            // not written yet (the peer's counter ran ahead of our listing)
          } catch (RuntimeException | IOException e) {
            failures.add("read " + who + "-" + m + ": " + e);
          }
        }
        if (System.nanoTime() - lastStatus > 100_000_000L) {
          writeStatus(status, envelope.policyStatus(), writes, reads, failures);
          lastStatus = System.nanoTime();
        }
        Thread.sleep(5);
      }
      writeStatus(status, envelope.policyStatus(), writes, reads, failures);
      PolicyStatus s = envelope.policyStatus();
      System.out.printf(
          "cluster %s: %d writes, %d reads, %d failures; policy generation %d %s%n",
          name, writes, reads, failures.size(), s.generation(), s.digest());
      failures.stream().limit(10).forEach(f -> System.out.println("  FAILED " + f));
    }
    return failures.isEmpty() ? 0 : 1;
  }

  private static byte[] record(String cluster, long n) {
    return ("record " + n + " of cluster " + cluster).getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, String> context(String cluster, long n) {
    return Map.of("cluster", cluster, "n", Long.toString(n));
  }

  /** A record number {@code who} has written: one of the latest or any older one. */
  private static long pick(Path store, String who) throws IOException {
    long highest = -1;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(store, who + "-*.env")) {
      for (Path f : files) {
        String s = f.getFileName().toString();
        highest = Math.max(highest, Long.parseLong(s.substring(who.length() + 1, s.length() - 4)));
      }
    }
    if (highest < 0) {
      return -1;
    }
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return r.nextBoolean() ? Math.max(0, highest - r.nextLong(3)) : r.nextLong(highest + 1);
  }

  private static void writeStatus(
      Path status, PolicyStatus s, long writes, long reads, List<String> failures)
      throws IOException {
    Path tmp = status.resolveSibling(status.getFileName() + ".tmp");
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(tmp))) {
      out.printf(
          "{\"pid\":%d,\"writes\":%d,\"reads\":%d,\"failures\":%d,\"generation\":%d,"
              + "\"digest\":\"%s\",\"lastReload\":\"%s\"}%n",
          ProcessHandle.current().pid(),
          writes,
          reads,
          failures.size(),
          s.generation(),
          s.digest(),
          s.lastOutcome());
    }
    Files.move(tmp, status, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void inventory(Path policyFile, Path store, Path out) throws IOException {
    KeyPolicy policy = KeyPolicy.load(policyFile);
    Map<String, Integer> byKek = new TreeMap<>();
    List<String> stale = new ArrayList<>();
    int files = 0;
    try (DirectoryStream<Path> all = Files.newDirectoryStream(store, "*.env")) {
      for (Path f : all) {
        files++;
        EnvelopeInfo info = Envelope.inspect(f, policy);
        boolean needsRewrap = false;
        for (EnvelopeInfo.RecipientInfo r : info.recipients()) {
          byKek.merge(
              r.kekUri().orElse("kek-ref:" + r.kekReference()) + " (" + r.status() + ")",
              1,
              Integer::sum);
          needsRewrap |= r.status() != EnvelopeInfo.KekStatus.ACTIVE;
        }
        if (needsRewrap) {
          stale.add(f.toString());
        }
      }
    }
    Files.write(out, stale);
    System.out.printf(
        "inventory: %d envelopes; recipients %s; %d to rewrap%n", files, byKek, stale.size());
  }
}
