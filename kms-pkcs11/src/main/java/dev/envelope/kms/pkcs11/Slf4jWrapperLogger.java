package dev.envelope.kms.pkcs11;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the PKCS#11 wrapper's log to SLF4J (logger {@code org.xipki.pkcs11}). Its INFO lines (every
 * session opened, every login) become DEBUG: an application's log should show our KEK events, not
 * the wrapper's bookkeeping.
 */
final class Slf4jWrapperLogger implements org.xipki.pkcs11.wrapper.Logger {
  private static final Logger LOG = LoggerFactory.getLogger("org.xipki.pkcs11");

  @Override
  public void info(String format, Object... arguments) {
    LOG.debug(format, arguments);
  }

  @Override
  public void warn(String format, Object... arguments) {
    LOG.warn(format, arguments);
  }

  @Override
  public void error(String format, Object... arguments) {
    LOG.error(format, arguments);
  }

  @Override
  public void debug(String format, Object... arguments) {
    LOG.debug(format, arguments);
  }

  @Override
  public void trace(String format, Object... arguments) {
    LOG.trace(format, arguments);
  }

  @Override
  public boolean isInfoEnabled() {
    return LOG.isDebugEnabled();
  }

  @Override
  public boolean isWarnEnabled() {
    return LOG.isWarnEnabled();
  }

  @Override
  public boolean isDebugEnabled() {
    return LOG.isDebugEnabled();
  }

  @Override
  public boolean isTraceEnabled() {
    return LOG.isTraceEnabled();
  }
}
