package dev.envelope.cli;

import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.MalformedEnvelopeException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code envelope rewrap}: re-wraps the data key of each envelope that needs it under the policy's
 * current KEKs, in place and atomically, skipping those already current; {@code --recursive} walks
 * directories with parallel workers.
 */
@Command(
    name = "rewrap",
    mixinStandardHelpOptions = true,
    description = {
      "Re-wrap envelopes in place under the policy's current keks, dropping other recipients"
          + " (such as decryptOnly KEKs). Envelopes already current are skipped, so an"
          + " interrupted run resumes by running it again. The body is copied byte for byte; each"
          + " file is replaced atomically (temporary file, fsync, rename).",
      "Envelopes that share a data key cost one unwrap and one wrap per KEK in all.",
      "Continues past a failing file and exits with the first failure's code."
    })
final class RewrapCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin KeyOptions keys;

  @Parameters(
      arity = "1..*",
      paramLabel = "PATH",
      description = "Envelope files (and, with --recursive, directories).")
  List<Path> paths;

  @Option(
      names = {"-r", "--recursive"},
      description =
          "Walk directories; files there that are not envelopes are counted and left alone.")
  boolean recursive;

  @Option(
      names = "--jobs",
      paramLabel = "N",
      description = "Files rewrapped in parallel (default: 4).")
  int jobs = 4;

  @Option(names = "--dry-run", description = "Say what would be rewrapped; change nothing.")
  boolean dryRun;

  @Option(
      names = "--progress",
      negatable = true,
      description = "A progress bar on stderr (default: when stderr is a terminal).")
  Boolean progress;

  /** The counts of one run, updated by the workers. */
  private static final class Tally {
    final AtomicInteger rewrapped = new AtomicInteger();
    final AtomicInteger current = new AtomicInteger();
    final AtomicInteger notEnvelopes = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final List<Path> retiring = Collections.synchronizedList(new ArrayList<>());
    final AtomicReference<ExitCode> firstFailure = new AtomicReference<>(ExitCode.OK);
  }

  @Override
  public Integer call() throws Exception {
    if (jobs < 1 || jobs > 64) {
      throw new ParameterException(spec.commandLine(), "--jobs must be 1..64");
    }
    List<Path> files;
    if (recursive) {
      files = EnvelopeFiles.under(paths);
    } else {
      for (Path p : paths) {
        if (Files.isDirectory(p)) {
          throw new ParameterException(
              spec.commandLine(), p + " is a directory: add --recursive to walk it");
        }
      }
      files = paths;
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    KeyPolicy policy = keys.loadPolicy();
    Tally tally = new Tally();
    // One line per file for a handful of files; a bulk run reports a summary and its failures.
    boolean perFile = !recursive;
    try (Envelope envelope = keys.open();
        Progress bar = Progress.start("rewrap", files.size(), progress, spec)) {
      Workers.each(files, jobs, bar, file -> one(file, envelope, policy, tally, perFile, out, err));
    }
    List<Path> retiring = List.copyOf(tally.retiring);
    out.printf(
        "%d of %d files %s; %d referenced decrypt-only KEKs%s; %d already current, %d not"
            + " envelopes, %d failed%n",
        tally.rewrapped.get(),
        files.size(),
        dryRun ? "would be rewrapped" : "rewrapped",
        retiring.size(),
        retiring.isEmpty()
            ? ""
            : ": "
                + String.join(", ", retiring.stream().limit(10).map(String::valueOf).toList())
                + (retiring.size() > 10 ? " and " + (retiring.size() - 10) + " more" : ""),
        tally.current.get(),
        tally.notEnvelopes.get(),
        tally.failed.get());
    out.flush();
    err.flush();
    return tally.firstFailure.get().code();
  }

  private void one(
      Path file,
      Envelope envelope,
      KeyPolicy policy,
      Tally tally,
      boolean perFile,
      PrintWriter out,
      PrintWriter err) {
    try {
      EnvelopeInfo info;
      try (InputStream in = Io.input(file)) {
        info = Envelope.inspect(in, policy);
      } catch (MalformedEnvelopeException e) {
        if (recursive) {
          tally.notEnvelopes.incrementAndGet(); // a walked directory holds other files too
          return;
        }
        throw e;
      }
      if (info.standing() == EnvelopeInfo.Standing.CURRENT) {
        if (!Io.isStd(file)) {
          AtomicFile.removeStaleFor(file); // what a killed earlier run left beside it
        }
        tally.current.incrementAndGet();
        if (perFile) {
          println(out, "current " + file + " (nothing to do)");
        }
        return;
      }
      List<String> retiring = new ArrayList<>();
      for (EnvelopeInfo.RecipientInfo r : info.recipients()) {
        if (r.status() == EnvelopeInfo.KekStatus.DECRYPT_ONLY) {
          retiring.add(r.kekUri().orElseThrow());
        }
      }
      if (!dryRun) {
        try (InputStream in = Io.input(file);
            AtomicFile target = AtomicFile.replacing(file)) {
          envelope.rewrap(in, target.stream());
          target.commit();
        }
      }
      tally.rewrapped.incrementAndGet();
      if (!retiring.isEmpty()) {
        tally.retiring.add(file);
      }
      if (perFile) {
        String verb = dryRun ? "would rewrap " : "rewrapped ";
        println(
            out,
            verb
                + file
                + (retiring.isEmpty()
                    ? ""
                    : " (dropped decrypt-only " + String.join(", ", retiring) + ")"));
      }
    } catch (Exception e) {
      ExitCode code = ExitCode.of(e);
      tally.failed.incrementAndGet();
      tally.firstFailure.compareAndSet(ExitCode.OK, code);
      println(
          err,
          spec.qualifiedName() + ": " + file + ": " + code.label() + ": " + ExitCode.message(e));
    }
  }

  private static void println(PrintWriter w, String line) {
    synchronized (w) {
      w.println(line);
    }
  }
}
