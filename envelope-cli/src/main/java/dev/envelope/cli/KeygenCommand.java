package dev.envelope.cli;

import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.core.local.TinkKeysetKekProvider;
import dev.envelope.kek.hpke.HpkeKekProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code envelope keygen local|tink-keyset --out FILE}: creates a local KEK file; {@code envelope
 * keygen hpke|xwing --out DIR}: creates an HPKE key pair whose public half is a KEK URI.
 */
@Command(
    name = "keygen",
    mixinStandardHelpOptions = true,
    description =
        "Create a KEK: a local key file, or an HPKE key pair whose public key goes into"
            + " the policy (owner-only permissions; never overwrites).",
    subcommands = {
      KeygenCommand.Local.class,
      KeygenCommand.TinkKeyset.class,
      KeygenCommand.Hpke.class,
      KeygenCommand.XWing.class
    })
final class KeygenCommand {

  abstract static class Base implements Callable<Integer> {
    @Spec CommandSpec spec;

    // Not required by picocli: tink-keyset --rotate goes without it; call() checks it.
    @Option(
        names = {"-o", "--out"},
        paramLabel = "FILE",
        description = "The key file to create (required).")
    Path out;

    @Option(names = "--force", description = "Replace an existing file (the old key is lost).")
    boolean force;

    abstract String scheme();

    abstract String extension();

    abstract void generate(Path file) throws IOException;

    @Override
    public Integer call() throws IOException {
      if (out == null) {
        throw new ParameterException(spec.commandLine(), "Missing required option: '--out=FILE'");
      }
      String fileName = out.getFileName().toString();
      if (!fileName.endsWith(extension()) || fileName.length() == extension().length()) {
        throw new ParameterException(
            spec.commandLine(),
            "--out must name a file NAME"
                + extension()
                + ": the policy refers to it as "
                + scheme()
                + "://NAME");
      }
      if (force) {
        Files.deleteIfExists(out);
      }
      generate(out);
      String name = fileName.substring(0, fileName.length() - extension().length());
      Path dir = out.toAbsolutePath().getParent();
      spec.commandLine()
          .getOut()
          .printf(
              "Created %s (owner-only). In the key policy: %s://%s; in the local config:"
                  + " providers.%s.dir: %s%n",
              out, scheme(), name, scheme(), dir);
      return ExitCode.OK.code();
    }
  }

  @Command(
      name = "local",
      mixinStandardHelpOptions = true,
      description =
          "A 256-bit AES KEK file (32 random bytes) for local://NAME; wraps with AES-KWP.")
  static final class Local extends Base {
    @Override
    String scheme() {
      return LocalKekProvider.SCHEME;
    }

    @Override
    String extension() {
      return ".key";
    }

    @Override
    void generate(Path file) throws IOException {
      LocalKekProvider.generate(file);
    }
  }

  @Command(
      name = "tink-keyset",
      mixinStandardHelpOptions = true,
      description = {
        "A Tink AES-256-GCM keyset file (cleartext JSON) for tink-keyset://NAME.",
        "With --rotate FILE: add a new primary key to that keyset and keep the old keys for"
            + " decryption; new envelopes use the new key, old ones still open."
      })
  static final class TinkKeyset extends Base {
    @Option(
        names = "--rotate",
        paramLabel = "FILE",
        description = "Rotate this existing keyset instead of creating one.")
    Path rotate;

    @Override
    public Integer call() throws IOException {
      if (rotate == null) {
        return super.call();
      }
      if (out != null || force) {
        throw new ParameterException(
            spec.commandLine(), "--rotate replaces its file: no --out or --force");
      }
      TinkKeysetKekProvider.Rotated r = TinkKeysetKekProvider.rotate(rotate);
      spec.commandLine()
          .getOut()
          .printf(
              "Rotated %s: new primary key %d; %d keys, the older ones still decrypt. Rewrap"
                  + " stored envelopes (envelope rewrap) before removing an old key.%n",
              rotate, Integer.toUnsignedLong(r.primaryKeyId()), r.keys());
      return ExitCode.OK.code();
    }

    @Override
    String scheme() {
      return TinkKeysetKekProvider.SCHEME;
    }

    @Override
    String extension() {
      return ".json";
    }

    @Override
    void generate(Path file) throws IOException {
      TinkKeysetKekProvider.generate(file);
    }
  }

  abstract static class HpkeBase implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = {"-o", "--out"},
        required = true,
        paramLabel = "DIR",
        description =
            "Directory for the private key (<fingerprint>.key, owner-only) and the public"
                + " key (<fingerprint>.pub, the URI to paste into the policy).")
    Path out;

    abstract String suite();

    @Override
    public Integer call() throws IOException {
      HpkeKekProvider.Generated key = HpkeKekProvider.generate(suite(), out);
      spec.commandLine()
          .getOut()
          .printf(
              "Created %s (private, owner-only: keep it in this cluster) and %s.%n"
                  + "In the key policy, for every cluster that may seal for this one:%n  %s%n"
                  + "In this cluster's local config: providers.hpke.dir: %s%n",
              key.privateKeyFile(), key.publicKeyFile(), key.uri(), out.toAbsolutePath());
      return ExitCode.OK.code();
    }
  }

  @Command(
      name = "hpke",
      mixinStandardHelpOptions = true,
      description = "An HPKE X25519 key pair for hpke://x25519/PUBLIC-KEY (RFC 9180, AES-256-GCM).")
  static final class Hpke extends HpkeBase {
    @Override
    String suite() {
      return "x25519";
    }
  }

  @Command(
      name = "xwing",
      mixinStandardHelpOptions = true,
      description =
          "A hybrid post-quantum X-Wing (ML-KEM-768 + X25519) key pair for"
              + " hpke://xwing/PUBLIC-KEY.")
  static final class XWing extends HpkeBase {
    @Override
    String suite() {
      return "xwing";
    }
  }
}
