package dev.envelope.samples.multicluster;

import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.kek.hpke.HpkeKekProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One "cluster" of the multi-cluster sample, run as its own process:
 *
 * <pre>
 * cluster keygen SUITE DIR                       a key pair; prints the hpke:// URI for the policy
 * cluster seal POLICY LOCAL-CONFIG IN OUT        encrypt IN under logical key "shipments"
 * cluster open POLICY LOCAL-CONFIG IN            decrypt IN and print it
 * </pre>
 *
 * Both clusters read the same policy; each has its own local config pointing at its own private
 * key. Neither holds the other's secret.
 */
public final class Cluster {
  private static final Map<String, String> CONTEXT = Map.of("purpose", "multi-cluster sample");

  private Cluster() {}

  public static void main(String[] args) throws Exception {
    try {
      switch (args.length == 0 ? "" : args[0]) {
        case "keygen" ->
            System.out.println(HpkeKekProvider.generate(args[1], Path.of(args[2])).uri());
        case "seal" -> {
          try (Envelope envelope = envelope(args[1], args[2])) {
            byte[] sealed =
                envelope.encrypt("shipments", Files.readAllBytes(Path.of(args[3])), CONTEXT);
            Files.write(Path.of(args[4]), sealed);
            System.out.println(
                "sealed " + sealed.length + " bytes for every recipient of the policy");
          }
        }
        case "open" -> {
          try (Envelope envelope = envelope(args[1], args[2])) {
            System.out.print(
                new String(
                    envelope.decrypt(Files.readAllBytes(Path.of(args[3])), CONTEXT),
                    java.nio.charset.StandardCharsets.UTF_8));
          }
        }
        default -> {
          System.err.println(
              "usage: keygen SUITE DIR | seal POLICY CONFIG IN OUT | open POLICY CONFIG IN");
          System.exit(2);
        }
      }
    } catch (EnvelopeException e) {
      System.err.println(e.getClass().getSimpleName() + ": " + e.getMessage());
      System.exit(3);
    }
  }

  private static Envelope envelope(String policy, String localConfig) {
    return Envelope.builder()
        .policy(KeyPolicy.load(Path.of(policy)))
        .localConfig(LocalConfig.load(Path.of(localConfig)))
        .discoverProviders()
        .build();
  }
}
