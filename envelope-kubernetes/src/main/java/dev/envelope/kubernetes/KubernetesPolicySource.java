package dev.envelope.kubernetes;

import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.PolicySource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key policy as a {@code KeyPolicy} custom resource ({@code deploy/crds/}), read and watched
 * through the Kubernetes API server. In a pod, {@link #inCluster(String, String)} authenticates
 * with the pod's service account (its projected token, CA and namespace, as the fabric8 client
 * finds them); the service account needs {@code get}, {@code list} and {@code watch} on that one
 * resource ({@code deploy/rbac/}).
 *
 * <pre>{@code
 * Envelope envelope = Envelope.builder()
 *     .policySource(KubernetesPolicySource.inCluster(null, "shared-keys"))
 *     .build();
 * }</pre>
 *
 * <p>Watching uses a fabric8 informer on that one name: it lists, then watches, and lists again
 * when the watch expires (HTTP 410) or the connection drops, so a change made while disconnected is
 * still seen. A version is reported when its {@code spec} changed; a deleted resource is reported
 * as rejected, and the last good policy stays in force.
 */
public final class KubernetesPolicySource implements PolicySource {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesPolicySource.class);

  /** The resource's group, version, kind and plural, as the CRD defines them. */
  static final ResourceDefinitionContext KEY_POLICIES =
      new ResourceDefinitionContext.Builder()
          .withGroup("envelope.dev")
          .withVersion("v1alpha1")
          .withKind(KeyPolicy.KIND)
          .withPlural("keypolicies")
          .withNamespaced(true)
          .build();

  /** Default interval of the informer's resync (a re-delivery from its cache, no API call). */
  public static final Duration DEFAULT_RESYNC = Duration.ofMinutes(10);

  private final KubernetesClient client;
  private final boolean ownsClient;
  private final String namespace;
  private final String name;
  private final Duration resync;
  private final Object lock = new Object();
  private SharedIndexInformer<GenericKubernetesResource> informer;
  private String lastSpec; // the spec last reported, as JSON; null after a deletion
  private boolean closed;

  private KubernetesPolicySource(
      KubernetesClient client, boolean ownsClient, String namespace, String name, Duration resync) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.namespace = namespace;
    this.name = name;
    this.resync = resync;
  }

  /**
   * The resource {@code name} in {@code namespace}, through a client configured as fabric8 finds
   * it: in a pod, the service account; outside, the kubeconfig. Closed with the source.
   *
   * @param namespace null for the pod's own namespace (or the kubeconfig's)
   */
  public static KubernetesPolicySource inCluster(String namespace, String name) {
    KubernetesClient client = new KubernetesClientBuilder().build();
    String ns = namespace != null ? namespace : client.getNamespace();
    if (ns == null) {
      client.close();
      throw new InvalidPolicyException(
          "KeyPolicy " + name, "namespace", "not given and not found in the pod or kubeconfig");
    }
    return new KubernetesPolicySource(client, true, ns, requireName(name), DEFAULT_RESYNC);
  }

  /**
   * The resource {@code name} in {@code namespace} through {@code client}, which the caller keeps
   * and closes.
   */
  public static KubernetesPolicySource of(
      KubernetesClient client, String namespace, String name, Duration resync) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(namespace, "namespace");
    if (resync == null || resync.isNegative()) {
      throw new IllegalArgumentException("resync must be zero (off) or positive");
    }
    return new KubernetesPolicySource(client, false, namespace, requireName(name), resync);
  }

  private static String requireName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the KeyPolicy resource's name must be given");
    }
    return name;
  }

  private Resource<GenericKubernetesResource> resource() {
    return client.genericKubernetesResources(KEY_POLICIES).inNamespace(namespace).withName(name);
  }

  @Override
  public KeyPolicy load() {
    GenericKubernetesResource found;
    try {
      found = resource().get();
    } catch (KubernetesClientException e) {
      throw new InvalidPolicyException(
          description(),
          "",
          "cannot be read from the API server (HTTP " + e.getCode() + "): " + reason(e),
          e);
    }
    if (found == null) {
      throw new InvalidPolicyException(
          description(), "", "not found; apply it (deploy/crds/ has the CRD and an example)");
    }
    KeyPolicy policy = parse(found);
    synchronized (lock) {
      lastSpec = specOf(found);
    }
    return policy;
  }

  @Override
  public void watch(Listener listener) {
    synchronized (lock) {
      if (closed || informer != null) {
        return;
      }
      informer =
          resource()
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(GenericKubernetesResource obj) {
                      report(obj, listener);
                    }

                    @Override
                    public void onUpdate(
                        GenericKubernetesResource old, GenericKubernetesResource obj) {
                      report(obj, listener);
                    }

                    @Override
                    public void onDelete(GenericKubernetesResource obj, boolean unknownState) {
                      deleted(listener);
                    }
                  },
                  resync.toMillis());
    }
  }

  private void report(GenericKubernetesResource obj, Listener listener) {
    String spec = specOf(obj);
    synchronized (lock) {
      if (closed || spec.equals(lastSpec)) {
        return; // a resync or a change of metadata only
      }
      lastSpec = spec;
    }
    KeyPolicy parsed;
    try {
      parsed = parse(obj);
    } catch (InvalidPolicyException e) {
      listener.rejected(e);
      return;
    }
    listener.changed(parsed);
  }

  private void deleted(Listener listener) {
    synchronized (lock) {
      if (closed || lastSpec == null) {
        return;
      }
      lastSpec = null;
    }
    listener.rejected(
        new InvalidPolicyException(
            description(), "", "was deleted; the last policy read stays in force"));
  }

  private KeyPolicy parse(GenericKubernetesResource obj) {
    String json = client.getKubernetesSerialization().asJson(obj);
    String where = description();
    if (obj.getMetadata() != null && obj.getMetadata().getResourceVersion() != null) {
      where += " (resourceVersion " + obj.getMetadata().getResourceVersion() + ")";
    }
    return KeyPolicy.parse(json, where);
  }

  private String specOf(GenericKubernetesResource obj) {
    return client.getKubernetesSerialization().asJson(obj.getAdditionalProperties().get("spec"));
  }

  private static String reason(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage()
        : e.getClass().getSimpleName();
  }

  @Override
  public String description() {
    return "KeyPolicy " + namespace + "/" + name;
  }

  @Override
  public void close() {
    SharedIndexInformer<GenericKubernetesResource> running;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      running = informer;
    }
    if (running != null) {
      running.close();
      try {
        // Let the watch end before the client goes, so no connection is left half-open.
        running.stopped().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.debug("The informer of {} did not stop cleanly: {}", description(), e.toString());
      }
    }
    if (ownsClient) {
      client.close();
    }
    LOG.debug("Stopped watching {}", description());
  }

  @Override
  public String toString() {
    return "KubernetesPolicySource[" + description() + "]";
  }
}
