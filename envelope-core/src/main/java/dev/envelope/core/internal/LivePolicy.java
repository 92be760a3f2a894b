package dev.envelope.core.internal;

import dev.envelope.core.EnvelopeObserver;
import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.PolicySource;
import dev.envelope.core.PolicyStatus;
import dev.envelope.core.PolicyStatus.Outcome;
import dev.envelope.core.spi.KekProvider;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy a facade enforces now, swapped whole when its source reports a valid new version.
 * Every facade call reads {@link #current()} once and uses that one policy throughout, so no
 * message sees half of one policy and half of another. A version whose providers refuse one of its
 * KEK URIs is rejected like one that fails parsing: the last good policy stays in force.
 */
public final class LivePolicy implements PolicySource.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(LivePolicy.class);

  private final String source;
  private final Map<String, KekProvider> providers;
  private final EnvelopeObserver observer;
  private final Clock clock;
  private volatile KeyPolicy current;
  private volatile PolicyStatus status;
  private Consumer<KeyPolicy> onApplied = p -> {};

  /**
   * @param initial the policy loaded when the facade was built, already validated
   */
  public LivePolicy(
      PolicySource source,
      KeyPolicy initial,
      Map<String, KekProvider> providers,
      EnvelopeObserver observer,
      Clock clock) {
    this.source = source.description();
    this.providers = providers;
    this.observer = observer;
    this.clock = clock;
    this.current = initial;
    this.status =
        new PolicyStatus(
            this.source,
            initial.digest(),
            1,
            clock.instant(),
            Outcome.LOADED,
            clock.instant(),
            Optional.empty());
    observer.policyReload(status, initial);
  }

  /** Called after each applied change, before the next one (retires cached data keys). */
  void onApplied(Consumer<KeyPolicy> action) {
    this.onApplied = action;
  }

  /** The policy in force. */
  public KeyPolicy current() {
    return current;
  }

  public PolicyStatus status() {
    return status;
  }

  @Override
  public synchronized void changed(KeyPolicy next) {
    PolicyStatus before = status;
    if (next.equals(current)) {
      publish(inForceStill(Outcome.UNCHANGED, Optional.empty()));
      LOG.debug("Key policy {} re-read, unchanged ({})", source, next.digest());
      return;
    }
    try {
      Providers.validate(next, providers);
    } catch (InvalidPolicyException e) {
      rejected(e);
      return;
    } catch (RuntimeException e) {
      rejected(
          new InvalidPolicyException(
              next.source(), "", "a KEK provider failed validating it: " + e, e));
      return;
    }
    current = next;
    onApplied.accept(next);
    PolicyStatus now =
        new PolicyStatus(
            source,
            next.digest(),
            before.generation() + 1,
            clock.instant(),
            Outcome.APPLIED,
            clock.instant(),
            Optional.empty());
    LOG.info(
        "Key policy {} reloaded: generation {}, {} (was {})",
        source,
        now.generation(),
        now.digest(),
        before.digest());
    publish(now);
  }

  @Override
  public synchronized void rejected(InvalidPolicyException failure) {
    PolicyStatus before = status;
    LOG.warn(
        "Key policy {}: new version rejected, generation {} ({}) stays in force: {}",
        source,
        before.generation(),
        before.digest(),
        failure.getMessage());
    publish(inForceStill(Outcome.REJECTED, Optional.of(failure.getMessage())));
  }

  /** The status after a version that left the policy in force as it was. */
  private PolicyStatus inForceStill(Outcome outcome, Optional<String> error) {
    PolicyStatus before = status;
    return new PolicyStatus(
        source,
        before.digest(),
        before.generation(),
        before.appliedAt(),
        outcome,
        clock.instant(),
        error);
  }

  private void publish(PolicyStatus next) {
    status = next;
    observer.policyReload(next, current);
  }
}
