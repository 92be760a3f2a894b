package dev.envelope.core.internal;

import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.EnvelopeObserver;
import dev.envelope.core.EnvelopeStats;
import dev.envelope.core.KekCheck;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.LogicalKey;
import dev.envelope.core.spi.KekProvider;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything behind one {@code Envelope} facade: the KEK registry, the wrap executor, the data key
 * caches and the operations that use them. Built once per facade, closed with it.
 */
public final class Engine implements AutoCloseable {
  private static final AtomicInteger WRAP_THREADS = new AtomicInteger();

  private final Counters counters = new Counters();
  private final KekRegistry registry;
  private final ExecutorService wrapExecutor;
  private final DecryptKeyCache decryptCache;
  private final EncryptKeyCache encryptCache;
  private final Encryptor encryptor;
  private final Decryptor decryptor;
  private final Rewrapper rewrapper;
  private final KekCalls calls;
  private final AuditTrail audit;
  private final KekCircuits circuits;

  /**
   * @param observer told of every KEK call; must not throw (the facade guards it)
   */
  public Engine(
      LivePolicy policy,
      LocalConfig config,
      EnvelopeLimits limits,
      Map<String, KekProvider> providers,
      EnvelopeObserver observer,
      AuditTrail audit) {
    this.registry = new KekRegistry(providers, config);
    this.wrapExecutor =
        Executors.newCachedThreadPool(
            task -> {
              Thread t = new Thread(task, "envelope-wrap-" + WRAP_THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.audit = audit;
    this.circuits = new KekCircuits(config.kekCircuit(), registry::kek);
    this.calls = new KekCalls(observer, audit, circuits);
    Wrapper wrapper =
        new Wrapper(registry, limits, counters, wrapExecutor, config.wrapTimeout(), calls, audit);
    this.decryptCache =
        new DecryptKeyCache(config.decryptCacheEntries(), config.decryptCacheTtl(), counters);
    this.encryptCache = new EncryptKeyCache(wrapper::newDataKey, counters);
    Unwrapper unwrapper = new Unwrapper(registry, config, counters, decryptCache, calls);
    this.encryptor = new Encryptor(limits, encryptCache);
    this.decryptor = new Decryptor(limits, unwrapper, audit);
    this.rewrapper = new Rewrapper(limits, unwrapper, wrapper);
    // A logical key whose settings changed gets a new data key for its next message; the old one
    // is retired (zeroed once its in-flight messages are sealed).
    policy.onApplied(next -> encryptCache.retainOnly(next));
  }

  public Encryptor encryptor() {
    return encryptor;
  }

  public Decryptor decryptor() {
    return decryptor;
  }

  public Rewrapper rewrapper() {
    return rewrapper;
  }

  /** Wraps and unwraps a throwaway data key under one KEK of {@code key}. */
  public KekCheck check(LogicalKey key, String kekUri) {
    return registry.check(key, kekUri, calls);
  }

  /** Diagnoses the KEKs of {@code keys} within {@code deadline} each. */
  public dev.envelope.core.Diagnosis diagnose(
      dev.envelope.core.KeyPolicy policy,
      java.util.List<LogicalKey> keys,
      java.time.Duration deadline) {
    return new Doctor(registry, calls, wrapExecutor).diagnose(policy, keys, deadline);
  }

  /** What the KEK's service says about its rotation; never throws. */
  public dev.envelope.core.spi.KeyRotation rotation(String kekUri) {
    return registry.rotation(kekUri);
  }

  public EnvelopeStats stats() {
    return counters.snapshot(audit);
  }

  /** Drops the cached data keys, closes the opened KEKs, stops the wrap executor. */
  @Override
  public void close() {
    encryptCache.close();
    decryptCache.close();
    circuits.close();
    registry.close();
    wrapExecutor.shutdownNow();
  }
}
