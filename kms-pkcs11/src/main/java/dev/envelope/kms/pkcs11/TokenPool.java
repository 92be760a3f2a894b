package dev.envelope.kms.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_SESSION_CLOSED;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_SESSION_HANDLE_INVALID;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_USER_ALREADY_LOGGED_IN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_USER_NOT_LOGGED_IN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKS_RO_USER_FUNCTIONS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKS_RW_USER_FUNCTIONS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKU_USER;

import dev.envelope.core.KeyUnavailableException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.xipki.pkcs11.wrapper.MechanismInfo;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;
import org.xipki.pkcs11.wrapper.Token;
import org.xipki.pkcs11.wrapper.TokenException;

/**
 * A logged-in pool of read-only sessions on one token, shared by the KEKs of that token.
 *
 * <p>At most {@code sessions} sessions exist; they are opened on demand, and a caller waits up to
 * {@code sessionWait} for a free one. PKCS#11 login state is per process and token, so logging in
 * once serves every session; after a token reset the token answers {@code
 * CKR_SESSION_HANDLE_INVALID} (all idle sessions are dropped, new ones are opened) or {@code
 * CKR_USER_NOT_LOGGED_IN} (the pool logs in again with the PIN it keeps).
 *
 * <p>The wrapper library has a pool of its own ({@code PKCS11Token}), but it swallows the errors of
 * {@code C_EncryptInit}/{@code C_DecryptInit}, so an unsupported mechanism or a stale key handle
 * surfaces as {@code CKR_OPERATION_NOT_INITIALIZED}; this pool calls the token directly so every
 * error keeps its own code.
 */
final class TokenPool {
  private final Token token;
  private final long slotId;
  private final String label;
  private final char[] pin;
  private final Semaphore permits;
  private final long waitMillis;
  private final LinkedBlockingDeque<Session> idle = new LinkedBlockingDeque<>();
  private final java.util.concurrent.locks.ReentrantLock loginLock =
      new java.util.concurrent.locks.ReentrantLock();
  private volatile boolean closed;

  private TokenPool(Token token, String label, char[] pin, Pkcs11Settings settings) {
    this.token = token;
    this.slotId = token.getSlot().getSlotID();
    this.label = label;
    this.pin = pin;
    this.permits = new Semaphore(settings.sessions(), true);
    this.waitMillis = settings.sessionWait().toMillis();
  }

  /**
   * Reads the PIN, opens the first session and logs in, so a wrong PIN fails here, when the KEK is
   * opened, rather than on its first use.
   *
   * @throws KeyUnavailableException if the PIN is wrong, locked, or the token fails
   */
  static TokenPool open(
      Pkcs11Settings settings, Token token, Pkcs11Uri where, UnaryOperator<String> environment) {
    String label;
    try {
      label = token.getTokenInfo().getLabel().trim();
    } catch (TokenException e) {
      throw Pkcs11Errors.unavailable(where.uri(), "reading the token information", e);
    }
    // Kept, not zeroed: the pool logs in again after a token reset.
    TokenPool pool = new TokenPool(token, label, settings.readPin(environment), settings);
    try {
      pool.call(session -> null);
    } catch (TokenException e) {
      pool.close();
      throw Pkcs11Errors.unavailable(
          where.uri(),
          "logging in to token '" + label + "' with the PIN from " + settings.pinSource(),
          e);
    }
    return pool;
  }

  /** Whether the token offers {@code mechanism} for encryption or decryption. */
  boolean supports(long mechanism, long flag) {
    MechanismInfo info = token.getMechanismInfo(mechanism);
    return info != null && info.hasFlagBit(flag);
  }

  /**
   * Runs {@code operation} on a logged-in session of this pool.
   *
   * @throws TokenException the token's error, with its {@code CKR_} code; or, without a code, no
   *     session became free within {@code sessionWait}
   */
  <T> T call(SessionOperation<T> operation) throws TokenException {
    if (closed) {
      throw new IllegalStateException("the session pool of token '" + label + "' is closed");
    }
    try {
      if (!permits.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
        throw new TokenException(
            "no PKCS#11 session of token '" + label + "' became free within " + waitMillis + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenException("interrupted while waiting for a PKCS#11 session");
    }
    Session session = null;
    boolean keep = true;
    try {
      session = idle.pollFirst();
      if (session == null) {
        session = openLoggedIn();
      }
      try {
        return operation.apply(session);
      } catch (PKCS11Exception e) {
        if (e.getErrorCode() != CKR_USER_NOT_LOGGED_IN) {
          throw e;
        }
        login(session);
        return operation.apply(session);
      }
    } catch (PKCS11Exception e) {
      long code = e.getErrorCode();
      if (code == CKR_SESSION_HANDLE_INVALID || code == CKR_SESSION_CLOSED) {
        // A reset closes every session of the process at once: drop them all.
        keep = false;
        dropIdleSessions();
      }
      throw e;
    } finally {
      if (session != null) {
        if (keep && !closed) {
          idle.offerFirst(session);
        } else {
          closeQuietly(session);
        }
      }
      permits.release();
    }
  }

  private Session openLoggedIn() throws PKCS11Exception {
    Session session = token.openSession(false);
    try {
      long state = session.getSessionInfo().getState();
      if (state != CKS_RO_USER_FUNCTIONS && state != CKS_RW_USER_FUNCTIONS) {
        login(session);
      }
      return session;
    } catch (PKCS11Exception e) {
      closeQuietly(session);
      throw e;
    }
  }

  private void login(Session session) throws PKCS11Exception {
    // A lock, not synchronized: a login is a call into the HSM, which must not pin a virtual
    // thread's carrier while it waits for the lock.
    loginLock.lock();
    try {
      session.login(CKU_USER, pin);
    } catch (PKCS11Exception e) {
      // Another thread of this process logged in first: login state is shared, so this is fine.
      if (e.getErrorCode() != CKR_USER_ALREADY_LOGGED_IN) {
        throw e;
      }
    } finally {
      loginLock.unlock();
    }
  }

  private void dropIdleSessions() {
    Session stale;
    while ((stale = idle.pollFirst()) != null) {
      closeQuietly(stale);
    }
  }

  private static void closeQuietly(Session session) {
    try {
      session.closeSession();
    } catch (PKCS11Exception e) {
      // Already gone with a reset; nothing to release.
    }
  }

  long slotId() {
    return slotId;
  }

  String label() {
    return label;
  }

  /**
   * Closes the idle sessions (sessions in use close when returned). Closing a process's last
   * session on a token logs the process out of it.
   */
  void close() {
    closed = true;
    dropIdleSessions();
  }

  /** One use of a session; the pool handles login and stale sessions around it. */
  @FunctionalInterface
  interface SessionOperation<T> {
    T apply(Session session) throws TokenException;
  }
}
