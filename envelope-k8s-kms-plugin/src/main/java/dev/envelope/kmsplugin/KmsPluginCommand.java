package dev.envelope.kmsplugin;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code envelope kms-plugin}: runs the KMS v2 plugin until SIGTERM or SIGINT, then shuts down
 * gracefully (calls in flight finish within {@code --grace}, the socket is removed). Also the main
 * class of the plugin's own runnable jar.
 */
@Command(
    name = "kms-plugin",
    mixinStandardHelpOptions = true,
    description = {
      "Serve a logical key of the key policy to kube-apiserver as a KMS v2 plugin: gRPC on a Unix"
          + " socket, etcd's data encryption key seeds sealed under the key's KEKs (any provider,"
          + " fail-over between them), the policy reloaded without a restart.",
      "Health, liveness and Prometheus metrics on a loopback HTTP port."
    })
public final class KmsPluginCommand implements Callable<Integer> {
  @Option(
      names = "--socket",
      defaultValue = "/var/run/envelope-kms/kms.sock",
      description = "The Unix socket (default: ${DEFAULT-VALUE}).")
  Path socket;

  @Option(
      names = {"-k", "--key"},
      required = true,
      description = "The logical key of the policy to seal with.")
  String key;

  @Option(
      names = {"-p", "--policy"},
      required = true,
      description = "The shared key policy file; re-read and applied without a restart.")
  Path policy;

  @Option(
      names = {"-c", "--local-config"},
      description = "This node's local config (KEK identities, key directories, preference).")
  Path localConfig;

  @Option(
      names = "--state-dir",
      defaultValue = "/var/lib/envelope-kms",
      description = "Where the key id ledger is kept (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(
      names = "--health-port",
      defaultValue = "8787",
      description = "Loopback port of /healthz, /livez, /metrics (default: ${DEFAULT-VALUE}).")
  int healthPort;

  @Option(names = "--reload", defaultValue = "PT10S", description = "Policy re-read interval.")
  Duration reload;

  @Option(
      names = "--check-interval",
      defaultValue = "PT30S",
      description = "How often the KEKs are probed in the background (default: ${DEFAULT-VALUE}).")
  Duration checkInterval;

  @Option(names = "--deadline", defaultValue = "PT10S", description = "Per-KEK bound of a check.")
  Duration deadline;

  @Option(
      names = "--grace",
      defaultValue = "PT5S",
      description = "Shutdown grace for calls in flight.")
  Duration grace;

  @Override
  public Integer call() throws Exception {
    KmsPlugin plugin =
        KmsPlugin.start(
            new KmsPlugin.Settings(
                socket,
                key,
                policy,
                localConfig,
                stateDir,
                healthPort,
                reload,
                checkInterval,
                deadline,
                grace));
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM (the kubelet stopping the static pod) and SIGINT run the hooks: a graceful stop.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  plugin.close();
                  stopped.countDown();
                },
                "envelope-kms-shutdown"));
    stopped.await();
    return 0;
  }

  /** Runs the plugin; exits when it was stopped. */
  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new KmsPluginCommand());
    // One line, no stack trace: a misconfigured node should say what to fix.
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          command
              .getErr()
              .println(
                  "kms-plugin: "
                      + e.getClass().getSimpleName()
                      + ": "
                      + (e.getMessage() == null ? "" : e.getMessage()));
          return e instanceof dev.envelope.core.InvalidPolicyException ? 7 : 1;
        });
    System.exit(cli.execute(args));
  }
}
