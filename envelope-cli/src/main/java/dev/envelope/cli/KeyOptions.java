package dev.envelope.cli;

import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.audit.Slf4jAuditSink;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --policy} and {@code --config}, and the facade they make. */
final class KeyOptions {
  @Option(
      names = {"-p", "--policy"},
      required = true,
      paramLabel = "FILE",
      description = "The shared key policy (YAML or JSON).")
  Path policy;

  @Option(
      names = {"-c", "--config", "--local-config"},
      paramLabel = "FILE",
      description =
          "This cluster's local config. Default: local and tink-keyset key files are"
              + " looked up in the policy file's directory.")
  Path config;

  @Option(
      names = "--audit",
      description =
          "Write the audit trail (one JSON object per KEK call, authentication failure, policy"
              + " load and data-key rollover) to stderr.")
  boolean audit;

  KeyPolicy loadPolicy() {
    return KeyPolicy.load(policy);
  }

  LocalConfig loadConfig() {
    if (config != null) {
      return LocalConfig.load(config);
    }
    Path dir = policy.toAbsolutePath().getParent();
    return LocalConfig.builder()
        .provider("local", Map.of("dir", dir.toString()))
        .provider("tink-keyset", Map.of("dir", dir.toString()))
        .build();
  }

  /** The facade; providers on the class path (cloud modules in the jar) are discovered. */
  Envelope open() {
    Envelope.Builder b =
        Envelope.builder().policy(loadPolicy()).localConfig(loadConfig()).discoverProviders();
    if (audit) {
      // Straight to stderr as JSON lines: the CLI's log format would wrap each event in its own.
      b.audit(
          event -> {
            System.err.println(Slf4jAuditSink.json(event.fields()));
            System.err.flush();
          });
    }
    return b.build();
  }
}
