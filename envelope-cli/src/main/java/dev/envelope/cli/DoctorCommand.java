package dev.envelope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.envelope.core.Diagnosis;
import dev.envelope.core.Diagnosis.KekHealth;
import dev.envelope.core.Diagnosis.KeyHealth;
import dev.envelope.core.Envelope;
import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.RotationCheck;
import dev.envelope.core.spi.KekDescription;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code envelope doctor}: for every KEK of the policy (or of one logical key), whether this
 * cluster has its provider, who it authenticates as, whether the service answers and how fast, a
 * wrap and an unwrap probe, the key's state and rotation verdict; then per logical key whether it
 * can seal and open here. Exit code: the worst finding.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Check, from this cluster, every KEK of the policy (or of --key): provider, identity,"
          + " reachability and latency, a wrap and an unwrap probe with a throwaway data key, key"
          + " state, rotation verdict; then whether each logical key can seal and open here.",
      "Exit 0: healthy; 7: misconfigured (invalid policy or local config, a provider missing);"
          + " 10: a logical key cannot seal; 11: a logical key cannot open (the worst wins)."
    })
final class DoctorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KeyOptions keys;

  @Option(
      names = {"-k", "--key"},
      paramLabel = "KEY",
      description = "Only this logical key's KEKs.")
  String key;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Option(
      names = "--deadline",
      paramLabel = "DURATION",
      defaultValue = "PT10S",
      description = "How long each KEK's checks may take, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration deadline;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Diagnosis diagnosis;
    try (Envelope envelope = keys.open()) {
      diagnosis = envelope.diagnose(key, deadline);
    } catch (InvalidPolicyException e) {
      if (!json) {
        throw e;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("policy", keys.policy.toString());
      m.put("verdict", "misconfigured");
      m.put("error", e.getMessage());
      print(out, m);
      return ExitCode.INVALID_POLICY.code();
    }
    if (json) {
      print(out, toJson(diagnosis));
    } else {
      printText(out, diagnosis);
    }
    out.flush();
    return exitCode(diagnosis.verdict()).code();
  }

  static ExitCode exitCode(Diagnosis.Verdict verdict) {
    return switch (verdict) {
      case HEALTHY -> ExitCode.OK;
      case CANNOT_SEAL -> ExitCode.CANNOT_SEAL;
      case CANNOT_OPEN -> ExitCode.CANNOT_OPEN;
      case MISCONFIGURED -> ExitCode.INVALID_POLICY;
    };
  }

  private void printText(PrintWriter out, Diagnosis d) {
    out.printf("policy %s  %s  (deadline %s per KEK)%n%n", keys.policy, d.policyDigest(), deadline);
    int width = 3;
    for (KekHealth k : d.keks()) {
      width = Math.max(width, k.uri().length());
    }
    String row = "%-" + width + "s  %-8s  %-9s  %-10s  %-10s  %-16s  %s%n";
    out.printf(row, "KEK", "PROVIDER", "REACHABLE", "WRAP", "UNWRAP", "KEY STATE", "ROTATION");
    for (KekHealth k : d.keks()) {
      out.printf(
          row,
          k.uri(),
          k.providerPresent() ? "present" : "MISSING",
          k.timedOut() ? "timeout" : k.reachable() ? "yes" : "no",
          probe(k.check().canWrap(), k.wrapLatency()),
          probe(k.check().canUnwrap(), k.unwrapLatency()),
          k.describedAs().map(x -> x.keyState().name()).orElse("-"),
          k.rotation().isEmpty()
              ? "-"
              : k.rotation().stream()
                  .map(r -> r.verdict().name())
                  .distinct()
                  .collect(Collectors.joining(",")));
    }
    for (KekHealth k : d.keks()) {
      out.printf("%n%s%n", k.uri());
      if (k.description() != null) {
        KekDescription x = k.description();
        out.printf(
            "  identity  %s%s%n", x.identity(), x.identityConfirmed() ? "  (confirmed)" : "");
        out.printf("  via       %s%n", x.identitySource());
        if (x.endpoint() != null) {
          out.printf(
              "  endpoint  %s%s%n",
              x.endpoint(), x.region() == null ? "" : "  (" + x.region() + ")");
        }
        if (x.keySpec() != null) {
          out.printf("  key       %s, %s%n", x.keySpec(), x.keyState());
        }
        if (!x.details().isEmpty()) {
          out.printf(
              "  details   %s%n",
              x.details().entrySet().stream()
                  .map(e -> e.getKey() + "=" + e.getValue())
                  .collect(Collectors.joining(", ")));
        }
        for (String p : x.problems()) {
          out.printf("  warning   %s%n", p);
        }
      }
      for (RotationCheck r : k.rotation()) {
        out.printf("  rotation  %s: %s%n", r.verdict(), r.reason());
      }
      if (k.check().problem() != null) {
        out.printf("  problem   %s%n", k.check().problem());
      }
    }
    out.println();
    int keyWidth = 3;
    for (KeyHealth k : d.keys()) {
      keyWidth = Math.max(keyWidth, k.id().length());
    }
    String keyRow = "%-" + keyWidth + "s  %-34s  %s%n";
    out.printf(keyRow, "KEY", "SEAL", "OPEN");
    for (KeyHealth k : d.keys()) {
      out.printf(
          keyRow,
          k.id(),
          (k.canSeal() ? "yes" : "NO")
              + " ("
              + k.wrapping()
              + " wrap, minWrap "
              + k.minWrap()
              + ")",
          k.canOpen() ? "yes" : "NO");
      for (String p : k.problems()) {
        out.printf("  %s%n", p);
      }
    }
    ExitCode code = exitCode(d.verdict());
    out.printf("%n%s (exit %d)%n", label(d.verdict()), code.code());
  }

  private static String probe(boolean ok, Duration latency) {
    if (!ok) {
      return "FAILED";
    }
    return latency == null ? "ok" : millis(latency);
  }

  private static String millis(Duration d) {
    return String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
  }

  private static String label(Diagnosis.Verdict verdict) {
    return verdict.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  private Map<String, Object> toJson(Diagnosis d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("policy", keys.policy.toString());
    m.putAll(d.fields());
    m.put("exitCode", exitCode(d.verdict()).code());
    return m;
  }

  private static void print(PrintWriter out, Map<String, Object> m) throws IOException {
    out.println(
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
    out.flush();
  }
}
