package dev.envelope.core.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Writes each event as one JSON line through SLF4J, under the logger {@value #LOGGER}: the message
 * is the event's {@link AuditEvent#fields()} as a JSON object, and the same fields are attached as
 * SLF4J 2 key-value pairs, so that a JSON encoder (logstash-logback-encoder, Logback's or Log4j's
 * ECS layout) renders them as fields of its own document. Failures and authentication failures are
 * logged at WARN, everything else at INFO; route the logger to its own appender to keep the trail
 * apart from the application's log.
 *
 * <pre>{@code
 * Envelope.builder().policy(policy).audit(new Slf4jAuditSink()).build();
 * }</pre>
 */
public final class Slf4jAuditSink implements AuditSink {
  /** The dedicated logger's name. */
  public static final String LOGGER = "envelope.audit";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Logger log;

  /** A sink writing to the {@value #LOGGER} logger. */
  public Slf4jAuditSink() {
    this(LoggerFactory.getLogger(LOGGER));
  }

  /** A sink writing to {@code log}. */
  public Slf4jAuditSink(Logger log) {
    this.log = log;
  }

  @Override
  public void accept(AuditEvent event) {
    boolean warn = isWarning(event);
    if (warn ? !log.isWarnEnabled() : !log.isInfoEnabled()) {
      return;
    }
    Map<String, Object> fields = event.fields();
    LoggingEventBuilder line = warn ? log.atWarn() : log.atInfo();
    for (Map.Entry<String, Object> f : fields.entrySet()) {
      line = line.addKeyValue(f.getKey(), f.getValue());
    }
    line.setMessage(json(fields)).log();
  }

  /** The event as one line of JSON (what the message of each log line is). */
  public static String json(Map<String, Object> fields) {
    try {
      return JSON.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      // Only strings, numbers and booleans: cannot happen; say so rather than lose the event.
      return "{\"event\":\"unserializable\"}";
    }
  }

  private static boolean isWarning(AuditEvent event) {
    if (event instanceof AuditEvent.KekCall c) {
      return c.outcome() == AuditEvent.Outcome.FAILED;
    }
    if (event instanceof AuditEvent.Message m) {
      return m.outcome() == AuditEvent.Outcome.FAILED;
    }
    if (event instanceof AuditEvent.PolicyReload p) {
      return p.outcome() == dev.envelope.core.PolicyStatus.Outcome.REJECTED;
    }
    return event instanceof AuditEvent.AuthenticationFailure
        || event instanceof AuditEvent.EventsDropped;
  }

  @Override
  public String toString() {
    return "Slf4jAuditSink[" + log.getName() + "]";
  }
}
