package dev.envelope.spring.autoconfigure;

import dev.envelope.core.InvalidPolicyException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a missing or invalid key policy or local config at start-up into Spring Boot's "APPLICATION
 * FAILED TO START" report: the document, the field and the problem, and what to do.
 */
class EnvelopeFailureAnalyzer extends AbstractFailureAnalyzer<InvalidPolicyException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidPolicyException cause) {
    return new FailureAnalysis(
        "Envelope could not start: " + cause.getMessage(),
        "Fix the key policy or local config it names, or point envelope.policy /"
            + " envelope.local-config at the right document (file:… for a mounted ConfigMap,"
            + " classpath:… for one in the application).",
        cause);
  }
}
