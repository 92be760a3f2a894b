package dev.envelope.cli;

import dev.envelope.core.Envelope;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code envelope decrypt}: opens an envelope, streaming. To a file, all or nothing: the plaintext
 * goes to a temporary file renamed only after the whole envelope authenticated, and that file holds
 * no readable plaintext before then, whatever signal ends the process ({@link AtomicFile}).
 */
@Command(
    name = "decrypt",
    mixinStandardHelpOptions = true,
    description = {
      "Open an envelope from a file or stdin (streaming, constant memory).",
      "With --out the plaintext appears only once the whole envelope authenticated; to stdout"
          + " each 16 KiB chunk is written as soon as it authenticated, and a failure ends with"
          + " a non-zero exit code."
    })
final class DecryptCommand implements Callable<Integer> {
  @Mixin KeyOptions keys;

  @Option(
      names = {"-C", "--context"},
      paramLabel = "KEY=VALUE",
      description = "The context the envelope was sealed with (repeatable).")
  Map<String, String> context = new LinkedHashMap<>();

  @Option(
      names = {"-i", "--in"},
      paramLabel = "FILE",
      description = "Input (default: stdin).")
  Path in;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE",
      description = "Output (default: stdout).")
  Path out;

  @Override
  public Integer call() throws IOException {
    try (Envelope envelope = keys.open();
        InputStream plaintext = envelope.decryptingStream(Io.input(in), context)) {
      if (Io.isStd(out)) {
        try (OutputStream stdout = Io.stdout()) {
          plaintext.transferTo(stdout);
        }
      } else {
        try (AtomicFile file = AtomicFile.secret(out)) {
          plaintext.transferTo(file.stream());
          file.commit();
        }
      }
    }
    return ExitCode.OK.code();
  }
}
