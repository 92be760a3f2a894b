package dev.envelope.core.internal;

import dev.envelope.core.KekCircuit;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.format.Cobblestone;
import dev.envelope.core.format.Randoms;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapContext;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One resilience4j circuit breaker per KEK URI ({@link KekCircuit}): counts retryable
 * unavailability, skips an open KEK without calling it, and probes it in the background on a daemon
 * thread until it answers, then closes the circuit. Authentication failures and permanent refusals
 * are answers from a working service and count as successes.
 */
final class KekCircuits implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KekCircuits.class);

  private final KekCircuit settings;
  private final CircuitBreakerRegistry registry;
  private final Function<String, Kek> keks;
  private final Map<String, WrapContext> lastContext = new ConcurrentHashMap<>();
  private final Map<String, ScheduledFuture<?>> probes = new ConcurrentHashMap<>();
  private final Map<String, Instant> openedAt = new ConcurrentHashMap<>();
  private final ScheduledExecutorService prober;

  /**
   * @param keks the registry's opened KEK for a URI (the probe's)
   */
  KekCircuits(KekCircuit settings, Function<String, Kek> keks) {
    this.settings = settings;
    this.keks = keks;
    this.registry =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.failures())
                .minimumNumberOfCalls(settings.failures())
                .failureRateThreshold(100)
                .waitDurationInOpenState(settings.coolDown())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .recordException(e -> e instanceof KeyUnavailableException k && k.retryable())
                .writableStackTraceEnabled(false)
                .build());
    this.prober =
        settings.enabled()
            ? Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "envelope-kek-probe");
                  t.setDaemon(true);
                  return t;
                })
            : null;
  }

  /**
   * Lets a call to {@code uri} go ahead.
   *
   * @throws KeyUnavailableException (retryable) if its circuit is open
   */
  void acquire(String uri, WrapContext context) {
    if (!settings.enabled()) {
      return;
    }
    lastContext.put(uri, context);
    if (!breaker(uri).tryAcquirePermission()) {
      throw new KeyUnavailableException(
          "KEK "
              + uri
              + ": skipped, its circuit is open since "
              + openedAt.getOrDefault(uri, Instant.EPOCH)
              + " after "
              + settings.failures()
              + " calls in a row failed as unavailable; probed in the background every "
              + settings.probeInterval(),
          true);
    }
  }

  /** Records how an acquired call ended. */
  void record(String uri, long nanos, @Nullable RuntimeException failure) {
    if (!settings.enabled()) {
      return;
    }
    CircuitBreaker cb = breaker(uri);
    if (failure == null) {
      cb.onSuccess(nanos, TimeUnit.NANOSECONDS);
    } else {
      cb.onError(nanos, TimeUnit.NANOSECONDS, failure);
    }
  }

  /** The circuit's state for {@code uri}: CLOSED, OPEN, HALF_OPEN (for tests and health). */
  String state(String uri) {
    return breaker(uri).getState().name();
  }

  private CircuitBreaker breaker(String uri) {
    return registry
        .find(uri)
        .orElseGet(
            () -> {
              CircuitBreaker cb = registry.circuitBreaker(uri);
              cb.getEventPublisher()
                  .onStateTransition(
                      e -> {
                        switch (e.getStateTransition().getToState()) {
                          case OPEN -> opened(uri);
                          case CLOSED -> closed(uri);
                          default -> {}
                        }
                      });
              return cb;
            });
  }

  private void opened(String uri) {
    openedAt.put(uri, Instant.now());
    LOG.warn(
        "KEK {} failed {} calls in a row as unavailable: skipping it for up to {}, probing it every {}",
        uri,
        settings.failures(),
        settings.coolDown(),
        settings.probeInterval());
    long every = settings.probeInterval().toMillis();
    probes.computeIfAbsent(
        uri,
        u -> prober.scheduleWithFixedDelay(() -> probe(u), every, every, TimeUnit.MILLISECONDS));
  }

  private void closed(String uri) {
    openedAt.remove(uri);
    ScheduledFuture<?> probe = probes.remove(uri);
    if (probe != null) {
      probe.cancel(false);
    }
  }

  /** A throwaway wrap (and unwrap, if this KEK can) under the last context used with the KEK. */
  private void probe(String uri) {
    WrapContext context = lastContext.getOrDefault(uri, new WrapContext("envelope-probe"));
    byte[] random = new byte[Cobblestone.KEY_BYTES];
    Randoms.key(random);
    SecretBytes key = SecretBytes.adopt(random);
    try {
      Kek kek = keks.apply(uri);
      byte[] wrapped = kek.wrap(key, context);
      if (!kek.isAsymmetric()) {
        kek.unwrap(wrapped, context).destroy();
      }
      LOG.info("KEK {} answers again: closing its circuit", uri);
      breaker(uri).transitionToClosedState();
    } catch (RuntimeException e) {
      LOG.debug("KEK {} probe failed: {}", uri, e.getClass().getSimpleName());
    } finally {
      key.destroy();
    }
  }

  @Override
  public void close() {
    if (prober != null) {
      prober.shutdownNow();
    }
  }
}
