/**
 * Envelope's core: the API ({@code dev.envelope.core}), the KEK provider SPI ({@code
 * dev.envelope.core.spi}) and the built-in local KEKs ({@code dev.envelope.core.local}). The {@code
 * format} and {@code internal} packages are implementation: not exported, so on the module path
 * nothing outside this module can use them; on the class path they are public for this module's own
 * packages only and carry no compatibility promise.
 */
module dev.envelope.core {
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.cbor;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires com.github.benmanes.caffeine;
  requires io.github.resilience4j.circuitbreaker;
  requires io.github.resilience4j.core;
  requires com.google.crypto.tink;
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports dev.envelope.core;
  exports dev.envelope.core.spi;
  exports dev.envelope.core.local;

  uses dev.envelope.core.spi.KekProvider;
  uses dev.envelope.core.spi.PolicySourceProvider;
}
