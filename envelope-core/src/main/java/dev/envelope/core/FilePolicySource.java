package dev.envelope.core;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link PolicySource#file(Path, Duration)}: polls one file on a daemon thread of its own. */
final class FilePolicySource implements PolicySource {
  private static final Logger LOG = LoggerFactory.getLogger(FilePolicySource.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Path path;
  private final Duration interval;
  private final Object lock = new Object();
  private ScheduledExecutorService poller;
  private byte[] lastSeen; // digest of the last bytes read, applied or rejected
  private boolean closed;

  FilePolicySource(Path path, Duration interval) {
    this.path = path;
    this.interval = interval;
  }

  @Override
  public KeyPolicy load() {
    String text = PolicyDocument.readFile(path);
    KeyPolicy policy = KeyPolicy.parse(text, path.toString());
    synchronized (lock) {
      lastSeen = digest(text);
    }
    return policy;
  }

  @Override
  public void watch(Listener listener) {
    synchronized (lock) {
      if (closed || poller != null) {
        return;
      }
      poller =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread t = new Thread(task, "envelope-policy-file-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      long millis = interval.toMillis();
      poller.scheduleWithFixedDelay(() -> poll(listener), millis, millis, TimeUnit.MILLISECONDS);
    }
  }

  /** One read: reports the version if its bytes differ from the last read's. Never throws. */
  private void poll(Listener listener) {
    String text;
    try {
      text = PolicyDocument.readFile(path);
    } catch (InvalidPolicyException e) {
      // Gone or unreadable (a ConfigMap being deleted): report once, keep the last good policy.
      report(new byte[0], () -> listener.rejected(e));
      return;
    }
    report(
        digest(text),
        () -> {
          KeyPolicy parsed;
          try {
            parsed = KeyPolicy.parse(text, path.toString());
          } catch (InvalidPolicyException e) {
            listener.rejected(e);
            return;
          }
          listener.changed(parsed);
        });
  }

  private void report(byte[] seen, Runnable delivery) {
    synchronized (lock) {
      if (closed || Arrays.equals(seen, lastSeen)) {
        return;
      }
      lastSeen = seen;
    }
    try {
      delivery.run();
    } catch (RuntimeException e) {
      LOG.warn(
          "The policy listener failed on a new version of {}: {}",
          path,
          e.getClass().getSimpleName());
    }
  }

  private static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  @Override
  public String description() {
    return "file " + path + " (read every " + interval + ")";
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (poller != null) {
        poller.shutdownNow();
      }
    }
  }

  @Override
  public String toString() {
    return "PolicySource[" + description() + "]";
  }
}
