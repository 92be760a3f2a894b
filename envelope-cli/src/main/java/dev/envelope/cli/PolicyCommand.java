package dev.envelope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.envelope.core.Envelope;
import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.PolicyCheck;
import dev.envelope.core.PolicyCheck.Finding;
import dev.envelope.core.PolicyCheck.Report;
import dev.envelope.core.PolicyCheck.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code envelope policy}: commands on key policy files. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Check key policy files.",
    subcommands = {PolicyCommand.Check.class})
final class PolicyCommand {
  private PolicyCommand() {}

  /** {@code envelope policy check [--previous OLD] NEW}. */
  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {
        "Validate a key policy (plain or KeyPolicy manifest) as the library and every provider on"
            + " the class path would, and, with --previous, whether the step from OLD to NEW is"
            + " safe while clusters pick it up at different times.",
        "Exit 0: valid and safe; 7: NEW is invalid; 8: the step is unsafe (each unsafe finding"
            + " says what to do instead)."
      })
  static final class Check implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NEW", description = "The policy to deploy.")
    Path next;

    @Option(
        names = "--previous",
        paramLabel = "OLD",
        description = "The policy in force now (e.g. the file on the main branch).")
    Path previous;

    @Option(
        names = "--allow-removal",
        paramLabel = "KEK-URI|KEY",
        description =
            "A decrypt-only KEK or a logical key you vouch is no longer needed (its envelopes"
                + " were rewrapped); repeatable.")
    List<String> allowRemoval = new ArrayList<>();

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      KeyPolicy old = previous == null ? null : KeyPolicy.load(previous);
      KeyPolicy policy;
      try {
        policy = load(next);
      } catch (InvalidPolicyException e) {
        if (!json) {
          throw e;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", next.toString());
        m.put("valid", false);
        m.put("safe", false);
        m.put("error", e.getMessage());
        print(out, m);
        return ExitCode.INVALID_POLICY.code();
      }
      Report report = PolicyCheck.compare(old, policy, Set.copyOf(allowRemoval));
      if (json) {
        print(out, toJson(report));
      } else {
        printText(out, report);
      }
      out.flush();
      return report.safe() ? ExitCode.OK.code() : ExitCode.UNSAFE_CHANGE.code();
    }

    /** Parses, then lets every provider on the class path check its URIs (no KMS call). */
    private static KeyPolicy load(Path file) {
      KeyPolicy policy = KeyPolicy.load(file);
      Envelope.builder().policy(policy).discoverProviders().build().close();
      return policy;
    }

    private void printText(PrintWriter out, Report report) {
      out.printf("policy   %s  %s%n", next, report.digest());
      if (previous != null) {
        out.printf("previous %s  %s%n", previous, report.previousDigest().orElse(""));
      }
      int keyWidth = 3;
      int kekWidth = 3;
      for (Finding f : report.findings()) {
        keyWidth = Math.max(keyWidth, f.logicalKey().length());
        kekWidth = Math.max(kekWidth, f.kek().orElse("-").length());
      }
      String row = "%-7s  %-" + keyWidth + "s  %-" + kekWidth + "s  %-22s  %s%n";
      out.printf(row, "VERDICT", "KEY", "KEK", "CHANGE", "WHAT");
      long unsafe = 0;
      for (Finding f : report.findings()) {
        if (f.verdict() == Verdict.UNSAFE) {
          unsafe++;
        }
        out.printf(
            row,
            f.verdict().name().toLowerCase(Locale.ROOT),
            f.logicalKey(),
            f.kek().orElse("-"),
            label(f.change()),
            f.message());
      }
      out.printf(
          "%s: %d finding%s, %d unsafe%n",
          unsafe == 0 ? "safe" : "UNSAFE",
          report.findings().size(),
          report.findings().size() == 1 ? "" : "s",
          unsafe);
    }

    private Map<String, Object> toJson(Report report) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("policy", next.toString());
      m.put("digest", report.digest());
      m.put("previous", previous == null ? null : previous.toString());
      m.put("previousDigest", report.previousDigest().orElse(null));
      m.put("valid", true);
      m.put("safe", report.safe());
      List<Map<String, Object>> findings = new ArrayList<>();
      for (Finding f : report.findings()) {
        Map<String, Object> fm = new LinkedHashMap<>();
        fm.put("logicalKey", f.logicalKey());
        fm.put("kek", f.kek().orElse(null));
        fm.put("change", label(f.change()));
        fm.put("verdict", f.verdict().name().toLowerCase(Locale.ROOT));
        fm.put("message", f.message());
        findings.add(fm);
      }
      m.put("findings", findings);
      return m;
    }

    private static String label(PolicyCheck.Change change) {
      return change.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static void print(PrintWriter out, Map<String, Object> m) throws IOException {
      out.println(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
      out.flush();
    }
  }
}
