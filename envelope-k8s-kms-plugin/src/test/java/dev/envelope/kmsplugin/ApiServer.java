package dev.envelope.kmsplugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.envelope.kmsplugin.v2.DecryptRequest;
import dev.envelope.kmsplugin.v2.EncryptRequest;
import dev.envelope.kmsplugin.v2.EncryptResponse;
import dev.envelope.kmsplugin.v2.KeyManagementServiceGrpc;
import dev.envelope.kmsplugin.v2.StatusRequest;
import dev.envelope.kmsplugin.v2.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Behaves towards the plugin as kube-apiserver's KMS v2 envelope transformer does: Status first and
 * on a schedule, one Encrypt of a random 32-byte seed per key_id it sees, every limit the apiserver
 * checks (version, healthz, key_id length, ciphertext length, annotation keys and size, the key_id
 * of Encrypt equal to Status's), and Decrypt of the stored triple with a fresh uid.
 */
final class ApiServer implements AutoCloseable {
  /** A DNS subdomain, as the apiserver requires of annotation keys (at least one dot). */
  private static final Pattern FQDN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+");

  /** What the apiserver stores with each object: ciphertext, key_id, annotations. */
  record Stored(
      byte[] seed, ByteString ciphertext, String keyId, Map<String, ByteString> annotations) {}

  private final EpollEventLoopGroup group = new EpollEventLoopGroup(1);
  private final ManagedChannel channel;
  private final KeyManagementServiceGrpc.KeyManagementServiceBlockingStub stub;
  private final SecureRandom random = new SecureRandom();
  private String keyId;
  private Stored current;

  ApiServer(Path socket) {
    channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(group)
            .usePlaintext()
            .build();
    stub = KeyManagementServiceGrpc.newBlockingStub(channel);
  }

  KeyManagementServiceGrpc.KeyManagementServiceBlockingStub stub() {
    return stub.withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** Polls Status and checks it as the apiserver does; returns the response. */
  StatusResponse status() {
    StatusResponse s = stub().status(StatusRequest.getDefaultInstance());
    assertThat(s.getVersion()).isEqualTo("v2");
    assertThat(s.getKeyId()).isNotEmpty();
    assertThat(s.getKeyId().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
    return s;
  }

  /**
   * What writes use now: after a Status with a new key_id (or none yet), one Encrypt of a fresh
   * seed; the result is discarded and tried again if its key_id is not Status's.
   */
  Stored sealer() {
    return seal(true);
  }

  /**
   * As {@link #sealer()}, for a plugin whose healthz is not {@code ok} but whose key_id is valid.
   */
  Stored sealerAllowingDegraded() {
    return seal(false);
  }

  private Stored seal(boolean requireOk) {
    StatusResponse s = status();
    if (requireOk) {
      assertThat(s.getHealthz()).isEqualTo("ok");
    }
    if (current == null || !s.getKeyId().equals(keyId)) {
      for (int attempt = 0; ; attempt++) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        EncryptResponse e =
            stub()
                .encrypt(
                    EncryptRequest.newBuilder()
                        .setPlaintext(ByteString.copyFrom(seed))
                        .setUid(UUID.randomUUID().toString())
                        .build());
        String now = status().getKeyId();
        if (!e.getKeyId().equals(now) && attempt < 3) {
          continue; // the apiserver discards a mismatch and encrypts again
        }
        assertThat(e.getKeyId()).isEqualTo(now);
        assertThat(e.getCiphertext().size()).isBetween(1, 1024);
        int annotationBytes = 0;
        for (Map.Entry<String, ByteString> a : e.getAnnotationsMap().entrySet()) {
          assertThat(a.getKey()).matches(FQDN);
          annotationBytes += a.getKey().length() + a.getValue().size();
        }
        assertThat(annotationBytes).isLessThanOrEqualTo(32 * 1024);
        keyId = e.getKeyId();
        current = new Stored(seed, e.getCiphertext(), e.getKeyId(), e.getAnnotationsMap());
        break;
      }
    }
    return current;
  }

  /** Opens a stored triple with a fresh uid, as a read of the object does. */
  byte[] open(Stored stored) {
    return stub()
        .decrypt(
            DecryptRequest.newBuilder()
                .setCiphertext(stored.ciphertext())
                .setKeyId(stored.keyId())
                .putAllAnnotations(stored.annotations())
                .setUid(UUID.randomUUID().toString())
                .build())
        .getPlaintext()
        .toByteArray();
  }

  /**
   * Polls Status every {@code period} on its own thread, as the apiserver's health checks do, and
   * records each key_id it sees in order (repeats collapsed); stopped by {@link #close()}.
   */
  java.util.List<String> pollStatus(java.time.Duration period) {
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    poller =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "apiserver-status-poll");
              t.setDaemon(true);
              return t;
            });
    poller.scheduleWithFixedDelay(
        () -> {
          try {
            String id =
                stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance())
                    .getKeyId();
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(id)) {
              seen.add(id);
            }
          } catch (RuntimeException e) {
            // an unhealthy Status is the apiserver's business, not the poller's
          }
        },
        0,
        period.toMillis(),
        TimeUnit.MILLISECONDS);
    return seen;
  }

  private java.util.concurrent.ScheduledExecutorService poller;

  @Override
  public void close() throws InterruptedException {
    if (poller != null) {
      poller.shutdownNow();
    }
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
