package dev.envelope.cli;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.local.LocalKekProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code envelope demo}: a walk-through with an embedded local KEK in a temporary directory: key,
 * policy, encrypt, inspect, decrypt, and two refusals (wrong context, one flipped bit).
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Walk through encrypt, inspect and decrypt with a local KEK in a temporary"
            + " directory. Needs no cloud account and no configuration.")
final class DemoCommand implements Callable<Integer> {
  private static final String MESSAGE = "Card 4111 1111 1111 1111, expires 12/29";

  @Spec CommandSpec spec;

  @Option(names = "--keep", description = "Keep the temporary directory and print its path.")
  boolean keep;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("envelope-demo-");
    try {
      out.printf("Envelope demo: a local KEK in %s, no cloud account needed.%n%n", dir);

      Path keys = Files.createDirectory(dir.resolve("keys"));
      LocalKekProvider.generate(keys.resolve("demo.key"));
      out.println(
          "1. Created a local KEK: keys/demo.key (32 random bytes, owner-only) = local://demo");

      String policyYaml = "version: 1\nkeys:\n  payments:\n    keks: [local://demo]\n";
      Path policyFile = dir.resolve("policy.yaml");
      Files.writeString(policyFile, policyYaml);
      out.println(
          "2. Wrote the shared key policy policy.yaml: logical key 'payments' -> local://demo");

      KeyPolicy policy = KeyPolicy.load(policyFile);
      LocalConfig config =
          LocalConfig.builder().provider("local", Map.of("dir", keys.toString())).build();
      try (Envelope envelope = Envelope.builder().policy(policy).localConfig(config).build()) {
        Map<String, String> context = Map.of("tenant", "acme");
        byte[] plaintext = MESSAGE.getBytes(StandardCharsets.UTF_8);
        byte[] sealed = envelope.encrypt("payments", plaintext, context);
        Files.write(dir.resolve("card.env"), sealed);
        out.printf(
            "3. Encrypted %d bytes under 'payments' with context tenant=acme:"
                + " card.env, %d bytes (%d of overhead)%n",
            plaintext.length, sealed.length, sealed.length - plaintext.length);

        EnvelopeInfo info = Envelope.inspect(sealed, policy);
        EnvelopeInfo.RecipientInfo r = info.recipients().get(0);
        out.printf(
            "4. Inspected it without a key: format v%d, %s, logical key '%s', context %s,"
                + " %d recipient: %s (%s, %d-byte wrapped data key)%n",
            info.formatVersion(),
            info.algorithm().label(),
            info.logicalKeyId(),
            info.context(),
            info.recipients().size(),
            r.kekUri().orElse(r.kekReference()),
            r.wrapAlgorithm().name(),
            r.wrappedKeyBytes());

        byte[] opened = envelope.decrypt(sealed, context);
        out.printf(
            "5. Decrypted it with the same context: \"%s\" (%s)%n",
            new String(opened, StandardCharsets.UTF_8),
            Arrays.equals(opened, plaintext) ? "identical" : "DIFFERENT");

        out.printf(
            "6. Decrypting with context tenant=evil is refused: %s%n",
            refusal(() -> envelope.decrypt(sealed, Map.of("tenant", "evil"))));

        byte[] tampered = sealed.clone();
        tampered[tampered.length - 20] ^= 1;
        out.printf(
            "7. Decrypting a copy with one flipped bit is refused: %s%n",
            refusal(() -> envelope.decrypt(tampered, context)));

        if (!Arrays.equals(opened, plaintext)) {
          return ExitCode.INTERNAL.code();
        }
      }
      out.printf(
          "%nTry it on your own files%s:%n",
          keep ? "" : " (run 'demo --keep' to keep the key and policy)");
      out.printf(
          ""
              + "  ./envelope encrypt --policy %1$s --key payments --context tenant=acme --in FILE --out FILE.env%n"
              + "  ./envelope inspect --policy %1$s FILE.env%n"
              + "  ./envelope decrypt --policy %1$s --context tenant=acme --in FILE.env --out FILE.out%n",
          keep ? policyFile : "policy.yaml");
      return ExitCode.OK.code();
    } finally {
      if (keep) {
        out.printf("Kept %s%n", dir);
      } else {
        deleteTree(dir);
        out.printf("Removed %s%n", dir);
      }
      out.flush();
    }
  }

  private static String refusal(Runnable attempt) {
    try {
      attempt.run();
      return "NOT REFUSED";
    } catch (AuthenticationException e) {
      return "AuthenticationException (" + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
