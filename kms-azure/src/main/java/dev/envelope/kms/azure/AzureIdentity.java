package dev.envelope.kms.azure;

import java.util.function.UnaryOperator;

/**
 * Who an azure-kv configuration calls Key Vault as, without a call: the application (client id) and
 * tenant of the workload identity, managed identity or client secret, and how its token is
 * obtained. Identifiers only, never the federated token or a secret.
 *
 * @param principal e.g. {@code client 1b2c… in tenant 72f9…}
 * @param source e.g. {@code AKS workload identity, federated token file /var/run/…}
 */
record AzureIdentity(String principal, String source) {
  static AzureIdentity of(AzureSettings s, UnaryOperator<String> env) {
    String tenant = s.tenantId().orElseGet(() -> env.apply("AZURE_TENANT_ID"));
    String client = s.clientId().orElseGet(() -> env.apply("AZURE_CLIENT_ID"));
    String principal = "client " + orUnset(client) + " in tenant " + orUnset(tenant);
    return switch (s.credentials()) {
      case "workload-identity" ->
          new AzureIdentity(
              principal,
              "AKS workload identity, federated token file "
                  + orUnset(
                      s.tokenFile().orElseGet(() -> env.apply("AZURE_FEDERATED_TOKEN_FILE"))));
      case "managed-identity" ->
          new AzureIdentity(
              client == null
                  ? "the system-assigned managed identity"
                  : "managed identity " + client,
              "the instance metadata service (IMDS)");
      case "client-secret" ->
          new AzureIdentity(
              principal,
              "a client secret from the environment (long-lived; prefer workload identity)");
      default ->
          new AzureIdentity(
              "whatever DefaultAzureCredential finds", "DefaultAzureCredential's chain");
    };
  }

  private static String orUnset(String value) {
    return value == null ? "(not set)" : value;
  }
}
