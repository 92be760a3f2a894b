package dev.envelope.kmsplugin;

import dev.envelope.core.Envelope;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.PolicySource;
import dev.envelope.core.audit.Slf4jAuditSink;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running KMS v2 plugin: the facade over the live policy, the key id ledger, the background
 * health check, the gRPC server on the Unix socket (Netty epoll) and the loopback HTTP port. {@link
 * #close()} stops accepting calls, lets calls in flight finish within the grace period, removes the
 * socket and closes the facade (zeroing its keys).
 */
public final class KmsPlugin implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KmsPlugin.class);

  /**
   * What to serve and where.
   *
   * @param socket the Unix socket kube-apiserver calls (its {@code EncryptionConfiguration}'s
   *     {@code endpoint}, without {@code unix://})
   * @param logicalKey the logical key of the policy that seals etcd's seeds
   * @param policy the shared key policy file (re-read every {@code reload}, applied without a
   *     restart), unless the local config names another policy source
   * @param localConfig this node's local config, or null
   * @param stateDir where the key id ledger is kept (a hostPath that survives restarts)
   * @param healthPort the loopback HTTP port for /healthz, /livez and /metrics (0: any free one)
   * @param checkInterval how often the KEKs are checked in the background
   * @param deadline how long one check may take per KEK
   * @param grace how long calls in flight may take at shutdown
   */
  public record Settings(
      Path socket,
      String logicalKey,
      Path policy,
      @Nullable Path localConfig,
      Path stateDir,
      int healthPort,
      Duration reload,
      Duration checkInterval,
      Duration deadline,
      Duration grace) {}

  private final Settings settings;
  private final Envelope envelope;
  private final HealthMonitor health;
  private final KmsService service;
  private final PluginMetrics metrics;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Server server;
  private final HealthServer http;

  private KmsPlugin(Settings settings) throws IOException {
    this.settings = settings;
    LocalConfig config =
        settings.localConfig() == null
            ? LocalConfig.empty()
            : LocalConfig.load(settings.localConfig());
    PolicySource source =
        PolicySource.configured(config)
            .orElseGet(() -> PolicySource.file(settings.policy(), settings.reload()));
    this.metrics = new PluginMetrics(() -> health().state());
    this.envelope =
        Envelope.builder()
            .policySource(source)
            .localConfig(config)
            .discoverProviders(KmsPlugin.class.getClassLoader())
            .observer(metrics)
            .audit(new Slf4jAuditSink())
            .build();
    try {
      if (envelope.policy().key(settings.logicalKey()).isEmpty()) {
        throw new KeyUnavailableException(
            "the policy has no logical key '" + settings.logicalKey() + "'", false);
      }
      this.health =
          new HealthMonitor(
              envelope, settings.logicalKey(), settings.checkInterval(), settings.deadline());
      KeyIdLedger ledger =
          new KeyIdLedger(settings.stateDir(), settings.logicalKey(), Clock.systemUTC());
      this.service =
          new KmsService(envelope, settings.logicalKey(), ledger, health::state, metrics);
      LOG.info("KMS plugin for '{}': key_id {}", settings.logicalKey(), service.currentKeyId());
      SocketFile.prepare(settings.socket());
      this.boss = new EpollEventLoopGroup(1);
      this.workers =
          new EpollEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()));
      this.server =
          NettyServerBuilder.forAddress(new DomainSocketAddress(settings.socket().toString()))
              .channelType(EpollServerDomainSocketChannel.class)
              .bossEventLoopGroup(boss)
              .workerEventLoopGroup(workers)
              // Seeds and envelopes are small; refuse anything that is not a KMS message.
              .maxInboundMessageSize(64 * 1024)
              .addService(service)
              .build()
              .start();
      SocketFile.restrict(settings.socket());
      this.http =
          new HealthServer(
              "127.0.0.1",
              settings.healthPort(),
              () -> !server.isShutdown(),
              health::state,
              metrics::scrape);
      LOG.info(
          "Serving KMS v2 on unix://{}; health on http://127.0.0.1:{}",
          settings.socket(),
          http.port());
    } catch (IOException | RuntimeException e) {
      envelope.close();
      throw e;
    }
  }

  private HealthMonitor health() {
    return health;
  }

  /** Starts a plugin with {@code settings}. */
  public static KmsPlugin start(Settings settings) throws IOException {
    return new KmsPlugin(settings);
  }

  /** The health port actually bound. */
  public int healthPort() {
    return http.port();
  }

  /** Blocks until the server terminates. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(settings.grace().toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    http.close();
    health.close();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    try {
      Files.deleteIfExists(settings.socket());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      envelope.close();
    }
    LOG.info("KMS plugin stopped");
  }
}
