package dev.envelope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.MalformedEnvelopeException;
import dev.envelope.core.RotationCheck;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code envelope scan}: an inventory of stored envelopes from their headers alone. */
@Command(
    name = "scan",
    mixinStandardHelpOptions = true,
    description = {
      "Inventory of the envelopes under files and directories, read from their headers only (no"
          + " key, no KMS call): counts and bytes per logical key, KEK and standing — current,"
          + " needs-rewrap, not-openable (under this policy), not-an-envelope, malformed,"
          + " unreadable.",
      "Exit 0, or 9 with --fail-on-stale when an envelope needs a rewrap or cannot be opened."
    })
final class ScanCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files and directories.")
  List<Path> paths;

  @Option(
      names = {"-p", "--policy"},
      required = true,
      paramLabel = "FILE",
      description = "The key policy to judge the envelopes against.")
  Path policyFile;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Option(
      names = "--fail-on-stale",
      description = "Exit 9 if any envelope needs a rewrap or cannot be opened under the policy.")
  boolean failOnStale;

  @Option(
      names = "--progress",
      negatable = true,
      description = "A progress bar on stderr (default: when stderr is a terminal).")
  Boolean progress;

  @Option(
      names = "--rotation",
      description =
          "Also judge each wrapping KEK against its logical key's rotationPeriod, from what its"
              + " KMS reports (KMS calls; needs this cluster's --config for cloud KEKs).")
  boolean rotation;

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description =
          "This cluster's local config, for --rotation (default: key files beside the policy).")
  Path config;

  @Option(
      names = "--fail-on-noncompliant",
      description = "With --rotation: exit 9 if a KEK is not compliant.")
  boolean failOnNoncompliant;

  @Option(names = "--jobs", paramLabel = "N", description = "Files read in parallel (default: 4).")
  int jobs = 4;

  /** What a file is, as the inventory counts it. */
  enum State {
    CURRENT,
    NEEDS_REWRAP,
    NOT_OPENABLE,
    NOT_AN_ENVELOPE,
    MALFORMED,
    UNREADABLE;

    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** One row of the inventory: a logical key, one of its recipients' KEKs, a state. */
  record Row(String logicalKey, String kek, State state) {}

  /** Counts of one row or one state. */
  static final class Tally {
    final LongAdder envelopes = new LongAdder();
    final LongAdder bytes = new LongAdder();

    void add(long size) {
      envelopes.increment();
      bytes.add(size);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (jobs < 1 || jobs > 64) {
      throw new IllegalArgumentException("--jobs must be 1..64");
    }
    KeyPolicy policy = KeyPolicy.load(policyFile);
    long start = System.nanoTime();
    List<Path> files = EnvelopeFiles.under(paths);
    Map<Row, Tally> rows = new ConcurrentHashMap<>();
    Map<State, Tally> totals = new EnumMap<>(State.class);
    for (State s : State.values()) {
      totals.put(s, new Tally());
    }
    try (Progress bar = Progress.start("scan", files.size(), progress, spec)) {
      Workers.each(files, jobs, bar, file -> scan(file, policy, rows, totals));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long stale =
        totals.get(State.NEEDS_REWRAP).envelopes.sum()
            + totals.get(State.NOT_OPENABLE).envelopes.sum();
    List<RotationCheck> checks = rotation ? rotationChecks(policy) : List.of();
    long noncompliant =
        checks.stream().filter(c -> c.verdict() == RotationCheck.Verdict.NOT_COMPLIANT).count();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = toJson(files.size(), seconds, rows, totals);
      if (rotation) {
        m.put("rotation", rotationJson(policy, checks));
      }
      out.println(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
    } else {
      printTable(out, files.size(), seconds, rows, totals);
      if (rotation) {
        printRotation(out, policy, checks);
      }
    }
    out.flush();
    boolean fail = (failOnStale && stale > 0) || (failOnNoncompliant && noncompliant > 0);
    return fail ? ExitCode.STALE.code() : ExitCode.OK.code();
  }

  /** Every wrapping KEK of every logical key that states a rotationPeriod, judged. */
  private List<RotationCheck> rotationChecks(KeyPolicy policy) {
    KeyOptions keys = new KeyOptions();
    keys.policy = policyFile;
    keys.config = config;
    List<RotationCheck> out = new ArrayList<>();
    try (Envelope envelope = keys.open()) {
      for (String id : policy.keyIds()) {
        out.addAll(envelope.checkRotation(id));
      }
    }
    return out;
  }

  private static String keyOf(KeyPolicy policy, RotationCheck c) {
    for (String id : policy.keyIds()) {
      if (policy.key(id).orElseThrow().keks().contains(c.kekUri())) {
        return id;
      }
    }
    return "-";
  }

  private static List<Map<String, Object>> rotationJson(
      KeyPolicy policy, List<RotationCheck> checks) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (RotationCheck c : checks) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("logicalKey", keyOf(policy, c));
      m.put("kek", c.kekUri());
      m.put("required", iso(c.required()));
      m.put("verdict", c.verdict().name().toLowerCase(Locale.ROOT).replace('_', '-'));
      m.put("reason", c.reason());
      m.put("evidence", c.state().evidence());
      list.add(m);
    }
    return list;
  }

  private static void printRotation(PrintWriter out, KeyPolicy policy, List<RotationCheck> checks) {
    if (checks.isEmpty()) {
      out.println("rotation: no logical key states a rotationPeriod");
      return;
    }
    out.println("ROTATION (each KEK against its logical key's rotationPeriod, as its KMS reports)");
    for (RotationCheck c : checks) {
      out.printf(
          "%s  %s  %s  %s: %s%n",
          keyOf(policy, c),
          c.kekUri(),
          iso(c.required()),
          c.verdict().name().toLowerCase(Locale.ROOT).replace('_', '-'),
          c.reason());
    }
  }

  /** A period as the policy writes it: P90D rather than Duration's PT2160H. */
  static String iso(java.time.Duration d) {
    return d.toSeconds() % 86_400 == 0 ? "P" + d.toDays() + "D" : d.toString();
  }

  private static final byte[] MAGIC = {'E', 'N', 'V'};

  private static void scan(
      Path file, KeyPolicy policy, Map<Row, Tally> rows, Map<State, Tally> totals) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      count(rows, totals, new Row("-", "-", State.UNREADABLE), 0);
      return;
    }
    EnvelopeInfo info;
    try {
      info = Envelope.inspect(file, policy);
    } catch (MalformedEnvelopeException e) {
      State state = startsWithMagic(file) ? State.MALFORMED : State.NOT_AN_ENVELOPE;
      count(rows, totals, new Row("-", "-", state), size);
      return;
    } catch (UncheckedIOException e) {
      count(rows, totals, new Row("-", "-", State.UNREADABLE), size);
      return;
    }
    State state =
        switch (info.standing()) {
          case CURRENT -> State.CURRENT;
          case NEEDS_REWRAP -> State.NEEDS_REWRAP;
          case NOT_OPENABLE, UNRESOLVED -> State.NOT_OPENABLE;
        };
    totals.get(state).add(size);
    for (EnvelopeInfo.RecipientInfo r : info.recipients()) {
      String kek = r.kekUri().orElse("kek-ref:" + r.kekReference());
      rows.computeIfAbsent(new Row(info.logicalKeyId(), kek, state), k -> new Tally()).add(size);
    }
  }

  private static void count(Map<Row, Tally> rows, Map<State, Tally> totals, Row row, long size) {
    totals.get(row.state()).add(size);
    rows.computeIfAbsent(row, k -> new Tally()).add(size);
  }

  private static boolean startsWithMagic(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
    } catch (IOException e) {
      return false;
    }
  }

  private static List<Map.Entry<Row, Tally>> sorted(Map<Row, Tally> rows) {
    Map<String, Map.Entry<Row, Tally>> byName = new TreeMap<>();
    for (Map.Entry<Row, Tally> e : rows.entrySet()) {
      Row r = e.getKey();
      byName.put(r.logicalKey() + "\u0000" + r.state().ordinal() + "\u0000" + r.kek(), e);
    }
    return new ArrayList<>(byName.values());
  }

  private static Map<String, Object> toJson(
      int files, double seconds, Map<Row, Tally> rows, Map<State, Tally> totals) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("files", files);
    m.put("seconds", Math.round(seconds * 1000) / 1000.0);
    Map<String, Object> t = new LinkedHashMap<>();
    for (Map.Entry<State, Tally> e : totals.entrySet()) {
      t.put(
          e.getKey().label(),
          Map.of("envelopes", e.getValue().envelopes.sum(), "bytes", e.getValue().bytes.sum()));
    }
    m.put("totals", t);
    List<Map<String, Object>> list = new ArrayList<>();
    for (Map.Entry<Row, Tally> e : sorted(rows)) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("logicalKey", e.getKey().logicalKey().equals("-") ? null : e.getKey().logicalKey());
      r.put("kek", e.getKey().kek().equals("-") ? null : e.getKey().kek());
      r.put("state", e.getKey().state().label());
      r.put("envelopes", e.getValue().envelopes.sum());
      r.put("bytes", e.getValue().bytes.sum());
      list.add(r);
    }
    m.put("rows", list);
    return m;
  }

  private static void printTable(
      PrintWriter out, int files, double seconds, Map<Row, Tally> rows, Map<State, Tally> totals) {
    out.printf(
        "scanned %,d files in %.2f s (%,.0f files/s)%n",
        files, seconds, seconds > 0 ? files / seconds : 0.0);
    List<Map.Entry<Row, Tally>> list = sorted(rows);
    int keyWidth = "LOGICAL KEY".length();
    int kekWidth = 3;
    for (Map.Entry<Row, Tally> e : list) {
      keyWidth = Math.max(keyWidth, e.getKey().logicalKey().length());
      kekWidth = Math.max(kekWidth, e.getKey().kek().length());
    }
    String row = "%-" + keyWidth + "s  %-" + kekWidth + "s  %-15s  %10s  %10s%n";
    out.printf(row, "LOGICAL KEY", "KEK", "STATE", "ENVELOPES", "BYTES");
    for (Map.Entry<Row, Tally> e : list) {
      out.printf(
          row,
          e.getKey().logicalKey(),
          e.getKey().kek(),
          e.getKey().state().label(),
          String.format("%,d", e.getValue().envelopes.sum()),
          bytes(e.getValue().bytes.sum()));
    }
    List<String> parts = new ArrayList<>();
    for (Map.Entry<State, Tally> e : totals.entrySet()) {
      parts.add(e.getKey().label() + " " + String.format("%,d", e.getValue().envelopes.sum()));
    }
    out.println("envelopes: " + String.join(", ", parts));
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format("%.1f %s", v, units[u]);
  }
}
