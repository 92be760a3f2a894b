package dev.envelope.spring.autoconfigure;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code envelope.*}: where the key policy and this cluster's local config are. Locations only —
 * never key material, which lives in key files, HSMs and KMSes named by those documents.
 *
 * @param enabled whether to create the {@code Envelope} bean
 * @param policy location of the shared key policy (YAML or JSON), a Spring resource location such
 *     as {@code file:/etc/envelope/policy.yaml} (a mounted ConfigMap) or {@code
 *     classpath:envelope/policy.yaml}
 * @param localConfig location of this cluster's local config (key directories, KMS identities,
 *     preferred KEKs); none means built-in defaults
 * @param discoverProviders also use the KEK providers found on the class path through {@code
 *     ServiceLoader} (the {@code envelope-kms-*} and {@code envelope-kek-*} modules); off by
 *     default, as in the core (any jar on the class path could claim a scheme and receive data keys
 *     to wrap); {@code KekProvider} beans are always used
 * @param health the Actuator health indicator
 * @param reload whether and how often a policy file is read again, applying a changed policy
 *     without a restart
 * @param kubernetes the {@code KeyPolicy} resource to read and watch instead of a file (needs the
 *     {@code envelope-kubernetes} module)
 * @param audit the audit trail of every key use
 * @param endpoint the {@code envelope} Actuator endpoint
 */
@ConfigurationProperties("envelope")
public record EnvelopeProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("classpath:envelope/policy.yaml") String policy,
    String localConfig,
    @DefaultValue("false") boolean discoverProviders,
    @DefaultValue Health health,
    @DefaultValue Reload reload,
    @DefaultValue Kubernetes kubernetes,
    @DefaultValue Audit audit,
    @DefaultValue Endpoint endpoint) {

  /**
   * @param cacheTtl how long a KEK check result is reused: each check wraps and unwraps a throwaway
   *     data key, which for a cloud KEK costs two KMS calls
   */
  /**
   * @param cacheTtl how long a KEK check result is reused (by the health indicator and the {@code
   *     envelope} Actuator endpoint): each check wraps and unwraps a throwaway data key, which for
   *     a cloud KEK costs two KMS calls
   * @param deadline how long one round of checks may take per KEK (a hanging KMS costs this once)
   */
  public record Health(
      @DefaultValue("5m") Duration cacheTtl, @DefaultValue("10s") Duration deadline) {}

  /**
   * @param showDetails who sees identities, endpoints, per-KEK results and problems: {@code never},
   *     {@code when-authorized} (an authenticated user, with one of {@code roles} if any are set)
   *     or {@code always}; everyone else sees the policy digest, the overall verdict and counters
   * @param roles roles that may see the details; empty means any authenticated user
   */
  public record Endpoint(
      @DefaultValue("when-authorized") String showDetails,
      @DefaultValue java.util.Set<String> roles) {}

  /**
   * @param enabled record one event per KEK call, authentication failure, policy reload and
   *     data-key rollover, to the application's {@code AuditSink} bean or else as JSON lines to the
   *     {@code envelope.audit} logger
   * @param messages also one event per encrypt and decrypt (off: it costs an event per message)
   */
  public record Audit(
      @DefaultValue("true") boolean enabled, @DefaultValue("false") boolean messages) {}

  /**
   * @param enabled read a {@code file:} policy again every {@code interval} (a {@code classpath:}
   *     one cannot change and is read once)
   * @param interval between two reads of the file
   */
  public record Reload(
      @DefaultValue("true") boolean enabled, @DefaultValue("10s") Duration interval) {}

  /**
   * @param name the {@code KeyPolicy} resource; when set, the policy is read and watched through
   *     the API server with the pod's service account, and {@code envelope.policy} is ignored
   * @param namespace its namespace; default the pod's own
   */
  public record Kubernetes(String name, String namespace) {}
}
