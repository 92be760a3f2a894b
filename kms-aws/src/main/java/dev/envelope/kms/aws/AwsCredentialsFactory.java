package dev.envelope.kms.aws;

import dev.envelope.core.KeyUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleWithWebIdentityCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Builds the credentials provider the local config asks for. Workload identity first: IRSA ({@code
 * web-identity}, the projected token re-read at every refresh) and EKS Pod Identity ({@code
 * pod-identity}); then the SDK's default chain; static keys only when chosen explicitly, with a
 * warning. {@code assumeRoleArn} adds a role assumed with those credentials.
 */
final class AwsCredentialsFactory {
  private static final Logger LOG = LoggerFactory.getLogger(AwsCredentialsFactory.class);

  /** The provider and what must be closed with it (STS clients, refresh threads). */
  record Credentials(AwsCredentialsProvider provider, List<SdkAutoCloseable> resources) {}

  /**
   * Who the configured credentials are, without a call: the principal (a role ARN, or what the
   * source yields) and how it is obtained. Names and file paths only: never a token or key.
   */
  record Identity(String principal, String source) {}

  /** The identity the settings and environment configure (not yet confirmed by STS). */
  static Identity identity(AwsSettings settings, UnaryOperator<String> environment) {
    Identity base =
        switch (settings.credentials()) {
          case "web-identity" ->
              new Identity(
                  settings.roleArn().orElseGet(() -> orUnset(environment.apply("AWS_ROLE_ARN"))),
                  "IRSA web identity token "
                      + settings
                          .webIdentityTokenFile()
                          .orElseGet(
                              () -> orUnset(environment.apply("AWS_WEB_IDENTITY_TOKEN_FILE"))));
          case "pod-identity" ->
              new Identity(
                  "the role of this pod's EKS Pod Identity association",
                  "EKS Pod Identity agent "
                      + orUnset(
                          setting(
                              environment,
                              "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                              "aws.containerCredentialsFullUri")));
          case "static" ->
              // The access key id is an identifier (CloudTrail logs it); the secret is never read
              // here.
              new Identity(
                  "access key " + orUnset(environment.apply("AWS_ACCESS_KEY_ID")),
                  "static access keys from the environment (long-lived; prefer workload identity)");
          default ->
              new Identity("whatever the SDK's default chain finds", "the SDK default chain");
        };
    return settings
        .assumeRoleArn()
        .map(
            role ->
                new Identity(
                    role,
                    "AssumeRole " + role + " with " + base.source() + " as " + base.principal()))
        .orElse(base);
  }

  private static String orUnset(String value) {
    return value == null ? "(not set)" : value;
  }

  private AwsCredentialsFactory() {}

  static Credentials create(
      AwsSettings settings,
      UnaryOperator<String> environment,
      SdkHttpClient http,
      String defaultRegion) {
    List<SdkAutoCloseable> resources = new ArrayList<>();
    String stsRegion = settings.region().orElse(defaultRegion);
    AwsCredentialsProvider base =
        switch (settings.credentials()) {
          case "web-identity" -> webIdentity(settings, environment, http, stsRegion, resources);
          case "pod-identity" -> podIdentity(environment, resources);
          case "static" -> staticKeys(environment);
          default -> track(DefaultCredentialsProvider.builder().build(), resources);
        };
    if (settings.assumeRoleArn().isPresent()) {
      StsClient sts =
          track(sts(settings, http, stsRegion).credentialsProvider(base).build(), resources);
      base =
          track(
              StsAssumeRoleCredentialsProvider.builder()
                  .stsClient(sts)
                  .asyncCredentialUpdateEnabled(false)
                  .refreshRequest(
                      r -> {
                        r.roleArn(settings.assumeRoleArn().get())
                            .roleSessionName(settings.roleSessionName());
                        settings.externalId().ifPresent(r::externalId);
                      })
                  .build(),
              resources);
    }
    return new Credentials(base, resources);
  }

  private static AwsCredentialsProvider webIdentity(
      AwsSettings settings,
      UnaryOperator<String> environment,
      SdkHttpClient http,
      String stsRegion,
      List<SdkAutoCloseable> resources) {
    String roleArn = settings.roleArn().orElseGet(() -> environment.apply("AWS_ROLE_ARN"));
    String tokenFile =
        settings
            .webIdentityTokenFile()
            .orElseGet(() -> environment.apply("AWS_WEB_IDENTITY_TOKEN_FILE"));
    if (roleArn == null || tokenFile == null) {
      throw new KeyUnavailableException(
          "aws-kms web-identity credentials need roleArn and"
              + " webIdentityTokenFile (or AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, which EKS sets"
              + " for a service account annotated with eks.amazonaws.com/role-arn)",
          false);
    }
    Path token = Path.of(tokenFile);
    // Web identity is an unsigned call: its proof is the token.
    StsClient sts =
        track(
            sts(settings, http, stsRegion)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .build(),
            resources);
    return track(
        StsAssumeRoleWithWebIdentityCredentialsProvider.builder()
            .stsClient(sts)
            .asyncCredentialUpdateEnabled(false)
            // A Supplier, so the token Kubernetes rotates on disk is read again at every refresh.
            .refreshRequest(
                () ->
                    AssumeRoleWithWebIdentityRequest.builder()
                        .roleArn(roleArn)
                        .roleSessionName(settings.roleSessionName())
                        .webIdentityToken(readToken(token))
                        .build())
            .build(),
        resources);
  }

  private static String readToken(Path file) {
    try {
      String token = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (token.isEmpty()) {
        throw SdkClientException.create("the web identity token file " + file + " is empty");
      }
      return token;
    } catch (IOException e) {
      throw SdkClientException.create(
          "the web identity token file "
              + file
              + " cannot be read: "
              + e.getClass().getSimpleName());
    }
  }

  private static AwsCredentialsProvider podIdentity(
      UnaryOperator<String> environment, List<SdkAutoCloseable> resources) {
    String uri =
        setting(
            environment, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "aws.containerCredentialsFullUri");
    String tokenFile =
        setting(
            environment,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            "aws.containerAuthorizationTokenFile");
    if (uri == null || tokenFile == null) {
      throw new KeyUnavailableException(
          "aws-kms pod-identity credentials need"
              + " AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, which"
              + " the EKS Pod Identity webhook sets once a pod identity association exists",
          false);
    }
    try {
      String token = Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8);
      if (token.endsWith("\n") || token.endsWith("\r")) {
        // The SDK refuses such a token with a less helpful message.
        throw new KeyUnavailableException(
            "the pod identity token file "
                + tokenFile
                + " ends with a line break, which the AWS SDK rejects",
            false);
      }
    } catch (IOException e) {
      throw new KeyUnavailableException(
          "the pod identity token file "
              + tokenFile
              + " cannot be read: "
              + e.getClass().getSimpleName(),
          false);
    }
    return track(
        ContainerCredentialsProvider.builder().asyncCredentialUpdateEnabled(false).build(),
        resources);
  }

  private static AwsCredentialsProvider staticKeys(UnaryOperator<String> environment) {
    String id = environment.apply("AWS_ACCESS_KEY_ID");
    String secret = environment.apply("AWS_SECRET_ACCESS_KEY");
    if (id == null || secret == null) {
      throw new KeyUnavailableException(
          "aws-kms static credentials need AWS_ACCESS_KEY_ID and"
              + " AWS_SECRET_ACCESS_KEY in the environment",
          false);
    }
    LOG.warn(
        "aws-kms uses static access keys (providers.aws-kms.credentials: static): long-lived"
            + " secrets; prefer web-identity (IRSA) or pod-identity in Kubernetes");
    String token = environment.apply("AWS_SESSION_TOKEN");
    AwsCredentials credentials =
        token == null
            ? AwsBasicCredentials.create(id, secret)
            : AwsSessionCredentials.create(id, secret, token);
    return StaticCredentialsProvider.create(credentials);
  }

  private static StsClientBuilder sts(AwsSettings settings, SdkHttpClient http, String region) {
    StsClientBuilder builder =
        StsClient.builder()
            .httpClient(http)
            .region(Region.of(region))
            .overrideConfiguration(
                c ->
                    c.apiCallTimeout(settings.callTimeout())
                        .apiCallAttemptTimeout(settings.attemptTimeout()));
    settings.stsEndpoint().ifPresent(builder::endpointOverride);
    return builder;
  }

  private static String setting(UnaryOperator<String> environment, String env, String property) {
    String value = environment.apply(env);
    return value != null ? value : System.getProperty(property);
  }

  private static <T> T track(T resource, List<SdkAutoCloseable> resources) {
    if (resource instanceof SdkAutoCloseable closeable) {
      resources.add(closeable);
    }
    return resource;
  }
}
