package dev.envelope.spring.autoconfigure;

import dev.envelope.core.Envelope;

/**
 * A bean of this type adjusts the {@link Envelope.Builder} before the auto-configured {@code
 * Envelope} is built: limits, an extra provider, an observer. Applied in {@code @Order}.
 */
@FunctionalInterface
public interface EnvelopeCustomizer {
  void customize(Envelope.Builder builder);
}
