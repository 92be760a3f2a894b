package dev.envelope.kms.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who a gcp-kms configuration calls Cloud KMS as, read from its credential file without a call: the
 * federated principal of workload identity federation ({@code principal://…/subject/SUB}, SUB from
 * the projected token's {@code sub} claim) or the service account it impersonates, or a key file's
 * {@code client_email}. Names only: the token itself and any private key are never kept.
 *
 * @param principal the principal or service account
 * @param source how the credentials are obtained
 */
record GcpIdentity(String principal, String source) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern IMPERSONATION =
      Pattern.compile("/serviceAccounts/([^/:]+):generateAccessToken$");
  private static final Pattern PROVIDER = Pattern.compile("/providers/[^/]+$");
  private static final int MAX_FILE_BYTES = 64 * 1024;

  static GcpIdentity of(GcpSettings settings) {
    try {
      return switch (settings.credentials()) {
        case "external-account" -> external(Path.of(settings.credentialsFile().orElseThrow()));
        case "service-account" -> {
          Path file = Path.of(settings.credentialsFile().orElseThrow());
          yield new GcpIdentity(
              read(file).path("client_email").asText("(no client_email)"),
              "service account key file " + file + " (long-lived; prefer workload identity)");
        }
        default ->
            new GcpIdentity(
                "whatever application default credentials find",
                "application default credentials (GKE: the metadata server's service account)");
      };
    } catch (Exception e) {
      return new GcpIdentity(
          "unknown", settings.credentials() + " credentials: " + e.getClass().getSimpleName());
    }
  }

  private static GcpIdentity external(Path file) throws Exception {
    JsonNode config = read(file);
    String audience = config.path("audience").asText("");
    String pool =
        PROVIDER.matcher(audience.replaceFirst("^//iam.googleapis.com/", "")).replaceFirst("");
    String tokenFile = config.path("credential_source").path("file").asText(null);
    String source =
        "workload identity federation, token file "
            + (tokenFile == null ? "(none: URL or executable source)" : tokenFile)
            + ", audience "
            + audience;
    Matcher m = IMPERSONATION.matcher(config.path("service_account_impersonation_url").asText(""));
    if (m.find()) {
      return new GcpIdentity(m.group(1), source + ", impersonating " + m.group(1));
    }
    return new GcpIdentity(
        "principal://iam.googleapis.com/" + pool + "/subject/" + subject(tokenFile), source);
  }

  /** The {@code sub} claim of a JWT in {@code tokenFile}: its payload only is decoded. */
  private static String subject(String tokenFile) {
    if (tokenFile == null) {
      return "(the token's subject)";
    }
    try {
      String token = Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8).strip();
      String[] parts = token.split("\\.");
      if (parts.length == 3) {
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        String sub = claims.path("sub").asText(null);
        if (sub != null) {
          return sub;
        }
      }
    } catch (Exception e) {
      // Not a JWT we can read: say so without guessing.
    }
    return "(the subject of the token in " + tokenFile + ")";
  }

  private static JsonNode read(Path file) throws java.io.IOException {
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new java.io.IOException("too large");
    }
    return JSON.readTree(Files.readAllBytes(file));
  }
}
