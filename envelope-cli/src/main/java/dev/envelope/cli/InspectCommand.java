package dev.envelope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.KeyPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code envelope inspect}: shows an envelope's header; needs no key. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description =
        "Show an envelope's version, algorithm, logical key, context and recipients."
            + " Needs no key; reads only the header of a stream.")
final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The envelope ('-' for stdin).")
  Path file;

  @Option(
      names = {"-p", "--policy"},
      paramLabel = "FILE",
      description = "Resolve recipients to KEK URIs and their status with this key policy.")
  Path policy;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    KeyPolicy keyPolicy = policy == null ? null : KeyPolicy.load(policy);
    EnvelopeInfo info;
    if (Io.isStd(file)) {
      try (InputStream in = Io.input(file)) {
        info = Envelope.inspect(in, keyPolicy);
      }
    } else {
      info = Envelope.inspect(file, keyPolicy);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(
          new ObjectMapper()
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(toJson(info)));
    } else {
      printText(out, info);
    }
    out.flush();
    return ExitCode.OK.code();
  }

  static Map<String, Object> toJson(EnvelopeInfo info) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("formatVersion", info.formatVersion());
    m.put("algorithm", info.algorithm().label());
    m.put("logicalKey", info.logicalKeyId());
    m.put("context", new java.util.TreeMap<>(info.context()));
    m.put("headerBytes", info.headerBytes());
    m.put("bodyBytes", info.bodyBytes() < 0 ? null : info.bodyBytes());
    m.put("plaintextBytes", info.plaintextBytes() < 0 ? null : info.plaintextBytes());
    List<Map<String, Object>> recipients = new java.util.ArrayList<>();
    for (EnvelopeInfo.RecipientInfo r : info.recipients()) {
      Map<String, Object> rm = new LinkedHashMap<>();
      rm.put("kekReference", r.kekReference());
      rm.put("kekUri", r.kekUri().orElse(null));
      rm.put("status", r.status().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
      rm.put("wrapAlgorithm", r.wrapAlgorithm().name());
      rm.put("wrappedKeyBytes", r.wrappedKeyBytes());
      recipients.add(rm);
    }
    m.put("recipients", recipients);
    m.put("standing", label(info.standing()));
    return m;
  }

  static String label(EnvelopeInfo.Standing standing) {
    return standing.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  private static void printText(PrintWriter out, EnvelopeInfo info) {
    out.printf("format       v%d%n", info.formatVersion());
    out.printf("algorithm    %s%n", info.algorithm().label());
    out.printf("logical key  %s%n", info.logicalKeyId());
    out.printf(
        "context      %s%n",
        info.context().isEmpty()
            ? "(none)"
            : String.join(
                ", ",
                new java.util.TreeMap<>(info.context())
                    .entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
    out.printf("header       %d bytes%n", info.headerBytes());
    if (info.bodyBytes() >= 0) {
      out.printf(
          "body         %d bytes (%s)%n",
          info.bodyBytes(),
          info.plaintextBytes() >= 0
              ? "plaintext " + info.plaintextBytes() + " bytes"
              : "impossible length: truncated?");
    }
    out.printf("recipients   %d%n", info.recipients().size());
    int n = 1;
    for (EnvelopeInfo.RecipientInfo r : info.recipients()) {
      out.printf(
          "  [%d] %s  %s, %d bytes%s%n",
          n++,
          r.kekUri().orElse("kek-ref:" + r.kekReference()),
          r.wrapAlgorithm().name(),
          r.wrappedKeyBytes(),
          switch (r.status()) {
            case UNRESOLVED -> "";
            case ACTIVE -> ", active";
            case DECRYPT_ONLY -> ", decrypt-only (rewrap to drop)";
            case NOT_IN_POLICY -> ", not in the policy";
          });
    }
    if (info.standing() != EnvelopeInfo.Standing.UNRESOLVED) {
      out.printf(
          "standing     %s%n",
          switch (info.standing()) {
            case CURRENT -> "current: what a new envelope would carry";
            case NEEDS_REWRAP -> "needs rewrap: envelope rewrap makes it current";
            case NOT_OPENABLE -> "not openable under this policy";
            case UNRESOLVED -> "";
          });
    }
  }
}
