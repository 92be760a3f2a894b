package dev.envelope.cli;

import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.KeyPolicy;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code envelope rewrap}: re-wraps each file's data key under the policy's current KEKs, in place
 * and atomically, and reports the files that still referenced decrypt-only KEKs.
 */
@Command(
    name = "rewrap",
    mixinStandardHelpOptions = true,
    description = {
      "Re-wrap envelopes in place under the policy's current keks, dropping other"
          + " recipients (such as decryptOnly KEKs). The body is copied byte for byte; each file is"
          + " replaced atomically (temporary file, fsync, rename).",
      "Continues past a failing file and exits with the first failure's code."
    })
final class RewrapCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin KeyOptions keys;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Envelope files to rewrap.")
  List<Path> files;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    KeyPolicy policy = keys.loadPolicy();
    int rewrapped = 0;
    List<Path> referencedRetiring = new ArrayList<>();
    ExitCode firstFailure = ExitCode.OK;
    try (Envelope envelope = keys.open()) {
      for (Path file : files) {
        try {
          List<String> retiring = new ArrayList<>();
          try (InputStream in = Io.input(file)) {
            for (EnvelopeInfo.RecipientInfo r : Envelope.inspect(in, policy).recipients()) {
              if (r.status() == EnvelopeInfo.KekStatus.DECRYPT_ONLY) {
                retiring.add(r.kekUri().orElseThrow());
              }
            }
          }
          try (InputStream in = Io.input(file);
              AtomicFile target = AtomicFile.replacing(file)) {
            envelope.rewrap(in, target.stream());
            target.commit();
          }
          rewrapped++;
          if (retiring.isEmpty()) {
            out.printf("rewrapped %s%n", file);
          } else {
            referencedRetiring.add(file);
            out.printf(
                "rewrapped %s (dropped decrypt-only %s)%n", file, String.join(", ", retiring));
          }
        } catch (Exception e) {
          ExitCode code = ExitCode.of(e);
          if (firstFailure == ExitCode.OK) {
            firstFailure = code;
          }
          err.printf(
              "%s: %s: %s: %s%n", spec.qualifiedName(), file, code.label(), ExitCode.message(e));
        }
      }
    }
    out.printf(
        "%d of %d files rewrapped; %d referenced decrypt-only KEKs%s%n",
        rewrapped,
        files.size(),
        referencedRetiring.size(),
        referencedRetiring.isEmpty()
            ? ""
            : ": "
                + String.join(
                    ", ", referencedRetiring.stream().limit(10).map(String::valueOf).toList())
                + (referencedRetiring.size() > 10
                    ? " and " + (referencedRetiring.size() - 10) + " more"
                    : ""));
    out.flush();
    err.flush();
    return firstFailure.code();
  }
}
