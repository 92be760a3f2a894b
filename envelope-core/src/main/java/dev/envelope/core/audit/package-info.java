/**
 * The audit trail: {@link dev.envelope.core.audit.AuditEvent}s of every key use, handed to an
 * {@link dev.envelope.core.audit.AuditSink} such as the built-in {@link
 * dev.envelope.core.audit.Slf4jAuditSink}.
 */
@NullMarked
package dev.envelope.core.audit;

import org.jspecify.annotations.NullMarked;
