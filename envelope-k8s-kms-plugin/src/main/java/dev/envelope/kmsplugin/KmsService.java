package dev.envelope.kmsplugin;

import com.google.protobuf.ByteString;
import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.MalformedEnvelopeException;
import dev.envelope.kmsplugin.v2.DecryptRequest;
import dev.envelope.kmsplugin.v2.DecryptResponse;
import dev.envelope.kmsplugin.v2.EncryptRequest;
import dev.envelope.kmsplugin.v2.EncryptResponse;
import dev.envelope.kmsplugin.v2.KeyManagementServiceGrpc;
import dev.envelope.kmsplugin.v2.StatusRequest;
import dev.envelope.kmsplugin.v2.StatusResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KMS v2 service over one logical key of the policy. Encrypt seals the apiserver's seed as an
 * envelope under the key's current {@code keks}, with the key id in its authenticated context;
 * Decrypt opens it with whichever of the key's KEKs ({@code keks} or {@code decryptOnly}) works
 * here, preferred ones first, and the key id it is given must be the one sealed with it — an
 * unknown or changed key id does not authenticate. Status answers from the background health check
 * (D31).
 */
final class KmsService extends KeyManagementServiceGrpc.KeyManagementServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(KmsService.class);

  /** The context entry that binds a key id to its envelope. */
  static final String KEY_ID_CONTEXT = "k8s.io/kms-key-id";

  /** kube-apiserver's limit on a key id. */
  static final int MAX_KEY_ID_BYTES = 1024;

  private final Envelope envelope;
  private final String logicalKeyId;
  private final KeyIdLedger ledger;
  private final Supplier<HealthMonitor.State> health;
  private final PluginMetrics metrics;

  KmsService(
      Envelope envelope,
      String logicalKeyId,
      KeyIdLedger ledger,
      Supplier<HealthMonitor.State> health,
      PluginMetrics metrics) {
    this.envelope = envelope;
    this.logicalKeyId = logicalKeyId;
    this.ledger = ledger;
    this.health = health;
    this.metrics = metrics;
  }

  /** The key id for the policy in force now. */
  String currentKeyId() {
    LogicalKey key =
        envelope
            .policy()
            .key(logicalKeyId)
            .orElseThrow(
                () ->
                    new KeyUnavailableException(
                        "the policy in force has no logical key '" + logicalKeyId + "'", false));
    String keyId = ledger.keyId(key);
    metrics.keyId(keyId);
    return keyId;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> response) {
    long start = System.nanoTime();
    try {
      HealthMonitor.State state = health.get();
      if (!state.canSeal()) {
        // With a valid key id and only a bad healthz the apiserver keeps writing (kubernetes
        // issue 138950); when sealing is impossible, an error stops writes instead (D31).
        throw Status.UNAVAILABLE.withDescription(state.healthz()).asRuntimeException();
      }
      response.onNext(
          StatusResponse.newBuilder()
              .setVersion("v2")
              .setHealthz(state.healthz())
              .setKeyId(currentKeyId())
              .build());
      response.onCompleted();
      metrics.call("Status", "ok", System.nanoTime() - start);
    } catch (RuntimeException e) {
      fail(response, "Status", e, start);
    }
  }

  @Override
  public void encrypt(EncryptRequest request, StreamObserver<EncryptResponse> response) {
    long start = System.nanoTime();
    try {
      byte[] seed = request.getPlaintext().toByteArray();
      if (seed.length == 0 || seed.length > 1024) {
        throw Status.INVALID_ARGUMENT
            .withDescription("the plaintext must be 1 to 1024 bytes, got " + seed.length)
            .asRuntimeException();
      }
      String keyId;
      byte[] sealed;
      // The id must name the write set the envelope was sealed under: if a reload swapped the
      // policy in between, seal again under the new one.
      int attempts = 0;
      while (true) {
        keyId = currentKeyId();
        sealed = envelope.encrypt(logicalKeyId, seed, Map.of(KEY_ID_CONTEXT, keyId));
        if (keyId.equals(currentKeyId()) || ++attempts == 3) {
          break;
        }
      }
      SealedSeeds.Packed packed = SealedSeeds.pack(sealed);
      response.onNext(
          EncryptResponse.newBuilder()
              .setCiphertext(packed.ciphertext())
              .setKeyId(keyId)
              .putAllAnnotations(packed.annotations())
              .build());
      response.onCompleted();
      metrics.call("Encrypt", "ok", System.nanoTime() - start);
    } catch (RuntimeException e) {
      fail(response, "Encrypt", e, start);
    }
  }

  @Override
  public void decrypt(DecryptRequest request, StreamObserver<DecryptResponse> response) {
    long start = System.nanoTime();
    try {
      String keyId = request.getKeyId();
      if (!KeyIdLedger.isOurs(keyId, logicalKeyId)) {
        throw Status.INVALID_ARGUMENT
            .withDescription(
                "unknown key_id: not one this plugin issues for '" + logicalKeyId + "'")
            .asRuntimeException();
      }
      byte[] sealed;
      try {
        sealed = SealedSeeds.unpack(request.getCiphertext(), request.getAnnotationsMap());
      } catch (IllegalArgumentException e) {
        throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
      }
      byte[] seed;
      try {
        seed = envelope.decrypt(sealed, Map.of(KEY_ID_CONTEXT, keyId));
      } catch (AuthenticationException e) {
        throw Status.INVALID_ARGUMENT
            .withDescription(
                "the ciphertext does not authenticate with key_id "
                    + keyId
                    + " (unknown key_id, or altered ciphertext)")
            .asRuntimeException();
      }
      response.onNext(DecryptResponse.newBuilder().setPlaintext(ByteString.copyFrom(seed)).build());
      response.onCompleted();
      metrics.call("Decrypt", "ok", System.nanoTime() - start);
    } catch (RuntimeException e) {
      fail(response, "Decrypt", e, start);
    }
  }

  private void fail(StreamObserver<?> response, String method, RuntimeException e, long start) {
    StatusRuntimeException status = toStatus(e);
    metrics.call(method, status.getStatus().getCode().name(), System.nanoTime() - start);
    LOG.warn("{} failed: {}", method, status.getStatus());
    response.onError(status);
  }

  private static StatusRuntimeException toStatus(RuntimeException e) {
    if (e instanceof StatusRuntimeException s) {
      return s;
    }
    if (e instanceof MalformedEnvelopeException) {
      return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof KeyUnavailableException k) {
      return (k.retryable() ? Status.UNAVAILABLE : Status.FAILED_PRECONDITION)
          .withDescription(e.getMessage())
          .asRuntimeException();
    }
    if (e instanceof EnvelopeException || e instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
    return Status.INTERNAL.withDescription(e.getClass().getSimpleName()).asRuntimeException();
  }
}
