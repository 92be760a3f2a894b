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

/** {@code envelope encrypt}: seals a file or stdin, streaming, in constant memory. */
@Command(
    name = "encrypt",
    mixinStandardHelpOptions = true,
    description =
        "Seal a file or stdin under a logical key of the policy (streaming, constant memory).")
final class EncryptCommand implements Callable<Integer> {
  @Mixin KeyOptions keys;

  @Option(
      names = {"-k", "--key"},
      required = true,
      paramLabel = "LOGICAL_KEY",
      description = "The logical key of the policy, e.g. payments.")
  String logicalKey;

  @Option(
      names = {"-C", "--context"},
      paramLabel = "KEY=VALUE",
      description = "Context stored in the envelope and required to decrypt it (repeatable).")
  Map<String, String> context = new LinkedHashMap<>();

  @Option(
      names = {"-i", "--in"},
      paramLabel = "FILE",
      description = "Input (default: stdin).")
  Path in;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE",
      description =
          "Output (default: stdout). Written to a temporary file and renamed when complete.")
  Path out;

  @Override
  public Integer call() throws IOException {
    try (Envelope envelope = keys.open();
        InputStream source = Io.input(in)) {
      if (Io.isStd(out)) {
        try (OutputStream sealed = envelope.encryptingStream(logicalKey, Io.stdout(), context)) {
          source.transferTo(sealed);
        }
      } else {
        try (AtomicFile file = AtomicFile.ownerOnly(out)) {
          try (OutputStream sealed =
              envelope.encryptingStream(logicalKey, file.stream(), context)) {
            source.transferTo(sealed);
          }
          file.commit();
        }
      }
    }
    return ExitCode.OK.code();
  }
}
