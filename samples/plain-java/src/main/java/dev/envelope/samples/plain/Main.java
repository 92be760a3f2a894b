package dev.envelope.samples.plain;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.local.LocalKekProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The smallest use of envelope-core: a local KEK, a policy with one logical key, encrypt, inspect,
 * decrypt, and a wrong context refused.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    Path keys = Files.createTempDirectory("envelope-sample-");
    // A 256-bit KEK file; in production this is a KMS, an HSM or an hpke:// key.
    LocalKekProvider.generate(keys.resolve("orders.key"));

    KeyPolicy policy =
        KeyPolicy.parse(
            """
        version: 1
        keys:
          orders:
            keks: [local://orders]
        """,
            "inline policy");
    LocalConfig config =
        LocalConfig.builder().provider("local", Map.of("dir", keys.toString())).build();

    try (Envelope envelope = Envelope.builder().policy(policy).localConfig(config).build()) {
      byte[] plaintext = "ship 3 crates to Rotterdam".getBytes(StandardCharsets.UTF_8);
      Map<String, String> context = Map.of("order", "42");

      byte[] sealed = envelope.encrypt("orders", plaintext, context);
      System.out.printf(
          "sealed %d bytes into an envelope of %d bytes%n", plaintext.length, sealed.length);

      EnvelopeInfo info = Envelope.inspect(sealed, policy);
      System.out.printf(
          "inspect: format v%d, %s, logical key '%s', context %s, recipient %s%n",
          info.formatVersion(),
          info.algorithm(),
          info.logicalKeyId(),
          info.context(),
          info.recipients().get(0).kekUri().orElse("?"));

      byte[] opened = envelope.decrypt(sealed, context);
      System.out.println("opened: " + new String(opened, StandardCharsets.UTF_8));

      try {
        envelope.decrypt(sealed, Map.of("order", "43"));
        System.out.println("ERROR: a wrong context was accepted");
        System.exit(1);
      } catch (AuthenticationException e) {
        System.out.println("wrong context refused: " + e.getClass().getSimpleName());
      }
    }
  }
}
