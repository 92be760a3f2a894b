package dev.envelope.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code envelope} command line: keygen, encrypt, decrypt, inspect, rewrap, policy, scan,
 * doctor, kms-plugin, demo. Every failure is one line on stderr and a documented exit code ({@link
 * ExitCode}); {@code --verbose} adds the stack trace.
 */
@Command(
    name = "envelope",
    mixinStandardHelpOptions = true,
    versionProvider = EnvelopeCli.Version.class,
    description = "Envelope encryption with portable envelopes and a shared key policy.",
    subcommands = {
      KeygenCommand.class,
      EncryptCommand.class,
      DecryptCommand.class,
      InspectCommand.class,
      RewrapCommand.class,
      PolicyCommand.class,
      ScanCommand.class,
      DoctorCommand.class,
      dev.envelope.kmsplugin.KmsPluginCommand.class,
      DemoCommand.class
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  success",
      "  1  internal error (a bug: report it with the --verbose output)",
      "  2  usage error: unknown option, missing argument, bad value",
      "  3  authentication failed: altered or cut after its header, other key or context",
      "  4  key unavailable: not in the policy, key file missing, KMS down",
      "  5  malformed input: not an envelope, unknown version, over limits, cut in header",
      "  6  I/O error: missing input, unwritable output, file exists",
      "  7  invalid key policy or local config",
      "  8  policy check: an unsafe step for a rolling rollout",
      "  9  scan --fail-on-stale: envelopes need a rewrap or cannot be opened",
      " 10  doctor: a logical key cannot seal here (fewer than minWrap KEKs wrap)",
      " 11  doctor: a logical key cannot open here (no KEK unwraps)"
    })
public final class EnvelopeCli {
  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Print stack traces and debug logs on errors.")
  boolean verbose;

  static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

  private EnvelopeCli() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests and embedding). */
  public static int run(String... args) {
    for (String a : args) {
      // --verbose raises the default to debug, but never overrides a level the user chose.
      if (a.equals("--verbose") && System.getProperty(LOG_LEVEL) == null) {
        System.setProperty(LOG_LEVEL, "debug");
      }
    }
    CommandLine cli = new CommandLine(new EnvelopeCli());
    cli.setExecutionExceptionHandler(EnvelopeCli::handle);
    cli.setParameterExceptionHandler(EnvelopeCli::usage);
    return cli.execute(args);
  }

  private static int usage(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println(
        cmd.getCommandSpec().qualifiedName()
            + ": "
            + ExitCode.USAGE.label()
            + ": "
            + e.getMessage());
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
    err.flush();
    return ExitCode.USAGE.code();
  }

  private static int handle(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    ExitCode code = ExitCode.of(e);
    err.println(
        cmd.getCommandSpec().qualifiedName() + ": " + code.label() + ": " + ExitCode.message(e));
    boolean verbose =
        parsed.matchedOptionValue("--verbose", false)
            || parsed.subcommands().stream()
                .anyMatch(s -> s.matchedOptionValue("--verbose", false));
    if (verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return code.code();
  }

  /** Reads the version the build wrote into {@code envelope-cli.properties}. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = EnvelopeCli.class.getResourceAsStream("/envelope-cli.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {
        "envelope " + p.getProperty("version", "unknown") + " (format v1)",
        "Java "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")"
      };
    }
  }
}
