/**
 * Envelope encryption: {@link dev.envelope.core.Envelope} seals and opens portable envelopes under
 * the logical keys of a shared {@link dev.envelope.core.KeyPolicy}. The format is specified in
 * {@code docs/FORMAT.md}.
 */
package dev.envelope.core;
