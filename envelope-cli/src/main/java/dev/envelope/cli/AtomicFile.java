package dev.envelope.cli;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.CipherOutputStream;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Writes a file all or nothing, so that no signal leaves unauthenticated plaintext on disk.
 *
 * <p>The content goes to a temporary file beside the target, {@code
 * .NAME.pidPID-RANDOM.envelope-tmp} (owner-only), and {@link #commit()} forces it to disk and
 * renames it over the target.
 *
 * <ul>
 *   <li><b>Closed without commit</b> (a failed decrypt): the temporary file is deleted.
 *   <li><b>SIGTERM or SIGINT</b>: a shutdown hook deletes it (it waits for a commit in progress).
 *   <li><b>SIGKILL</b> runs no code, so for secrets ({@link #secret}) the temporary file never
 *       holds plaintext before the final step: what is written is AES-256-CTR-encrypted under a
 *       random key that only this process's memory holds, and {@link #commit()} — called only after
 *       the whole envelope authenticated — decrypts it in place and renames it. A kill before that
 *       leaves bytes nobody can read; a kill during that final step leaves authenticated plaintext
 *       only. The next run for the same target deletes the temporary files of dead processes (their
 *       PID is in the name) that its user owns.
 * </ul>
 *
 * <p>Java cannot create an unlinked file and link it into place later (Linux {@code O_TMPFILE} with
 * {@code linkat}), which would make even the final step leave nothing; hence the in-memory key. CTR
 * is enough here: the scratch copy needs confidentiality against a reader of the disk after a
 * crash, not integrity (the plaintext was authenticated by the envelope already).
 */
final class AtomicFile implements AutoCloseable {
  private static final String SUFFIX = ".envelope-tmp";

  /** True if {@code file} is one of the temporary files this class writes beside a target. */
  static boolean isTemporary(Path file) {
    String name = file.getFileName().toString();
    return name.startsWith(".") && name.endsWith(SUFFIX);
  }

  private static final Pattern STALE = Pattern.compile("pid(\\d+)-\\d+" + Pattern.quote(SUFFIX));
  private static final int BLOCK = 64 * 1024;

  private final Path target;
  private final Path temp;
  private final FileChannel channel;
  private final OutputStream out;

  /** The scratch key while the temporary file holds encrypted content; null for non-secrets. */
  private final byte[] scratchKey;

  private final byte[] scratchIv;
  private final Thread cleanup;
  private final Object lock = new Object();
  private boolean committed;
  private boolean abandoned;

  private AtomicFile(Path target, Set<PosixFilePermission> permissions, boolean secret)
      throws IOException {
    this.target = target.toAbsolutePath();
    Path dir = this.target.getParent();
    String prefix = "." + this.target.getFileName() + ".";
    removeStaleFor(this.target);
    boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
    String tempPrefix = prefix + "pid" + ProcessHandle.current().pid() + "-";
    this.temp =
        posix
            ? Files.createTempFile(
                dir, tempPrefix, SUFFIX, PosixFilePermissions.asFileAttribute(permissions))
            : Files.createTempFile(dir, tempPrefix, SUFFIX);
    this.cleanup = new Thread(this::abandon, "envelope-temp-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    this.channel = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE);
    // Closing this stream must not close the channel before commit() forces it to disk.
    OutputStream file =
        new FilterOutputStream(Channels.newOutputStream(channel)) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override
          public void close() throws IOException {
            flush();
          }
        };
    if (secret) {
      SecureRandom random = new SecureRandom();
      this.scratchKey = new byte[32];
      this.scratchIv = new byte[16];
      random.nextBytes(scratchKey);
      random.nextBytes(scratchIv);
      file =
          new CipherOutputStream(file, scratchCipher(Cipher.ENCRYPT_MODE)) {
            @Override
            public void close() throws IOException {
              flush(); // CTR holds nothing back; closing would call doFinal and close the channel
            }
          };
    } else {
      this.scratchKey = null;
      this.scratchIv = null;
    }
    this.out = new BufferedOutputStream(file, BLOCK);
  }

  /** A new file readable by its owner only, holding a secret (plaintext, keys). */
  static AtomicFile secret(Path target) throws IOException {
    return new AtomicFile(target, PosixFilePermissions.fromString("rw-------"), true);
  }

  /** A new owner-only file whose content is not secret (an envelope). */
  static AtomicFile ownerOnly(Path target) throws IOException {
    return new AtomicFile(target, PosixFilePermissions.fromString("rw-------"), false);
  }

  /** A new file with the same permissions as {@code original} (rewrap in place; not secret). */
  static AtomicFile replacing(Path original) throws IOException {
    Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rw-------");
    PosixFileAttributeView view =
        Files.getFileAttributeView(original, PosixFileAttributeView.class);
    if (view != null) {
      perms = view.readAttributes().permissions();
    }
    return new AtomicFile(original, perms, false);
  }

  OutputStream stream() {
    return out;
  }

  /** The temporary file (for tests and messages). */
  Path temporary() {
    return temp;
  }

  /**
   * Flushes, turns scratch content into the real content, forces it to disk and renames it over the
   * target. Call only once everything written is final (authenticated).
   */
  void commit() throws IOException {
    out.flush();
    synchronized (lock) {
      if (abandoned) {
        throw new IOException("the process is shutting down; " + target + " was not written");
      }
      if (scratchKey != null) {
        decryptInPlace();
      }
      channel.force(true);
      channel.close();
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      committed = true;
    }
  }

  private void decryptInPlace() throws IOException {
    Cipher cipher = scratchCipher(Cipher.DECRYPT_MODE);
    ByteBuffer in = ByteBuffer.allocate(BLOCK);
    ByteBuffer plain = ByteBuffer.allocate(BLOCK);
    long position = 0;
    try {
      while (true) {
        in.clear();
        int n = channel.read(in, position);
        if (n <= 0) {
          break;
        }
        in.flip();
        plain.clear();
        cipher.update(in, plain);
        plain.flip();
        while (plain.hasRemaining()) {
          channel.write(plain, position + plain.position());
        }
        position += n;
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("decrypting the scratch copy failed", e);
    } finally {
      Arrays.fill(plain.array(), (byte) 0);
      Arrays.fill(scratchKey, (byte) 0);
    }
  }

  private Cipher scratchCipher(int mode) throws IOException {
    try {
      Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
      cipher.init(mode, new SecretKeySpec(scratchKey, "AES"), new IvParameterSpec(scratchIv));
      return cipher;
    } catch (GeneralSecurityException e) {
      throw new IOException("the JDK lacks AES/CTR", e);
    }
  }

  /** Deletes the temporary file unless committed: on close without commit, or at shutdown. */
  private void abandon() {
    synchronized (lock) {
      if (committed || abandoned) {
        return;
      }
      abandoned = true;
      try {
        channel.close();
      } catch (IOException e) {
        // deleting matters more than a clean close
      }
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        System.err.println("envelope: could not delete the temporary file " + temp);
      }
      if (scratchKey != null) {
        Arrays.fill(scratchKey, (byte) 0);
      }
    }
  }

  @Override
  public void close() {
    abandon();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // shutting down: the hook runs (and finds nothing to do)
    }
  }

  /**
   * Deletes temporary files for this target left by processes that no longer run (killed with
   * SIGKILL, or a crash), if this user owns them. A live process's file is never touched.
   */
  /**
   * Deletes the temporary files that dead processes of this user left beside {@code target}: what a
   * killed run leaves, cleaned by the next run for that target even if it then has nothing to write
   * (a rewrap that finds the envelope current).
   */
  static void removeStaleFor(Path target) {
    Path absolute = target.toAbsolutePath();
    removeStale(absolute.getParent(), "." + absolute.getFileName() + ".");
  }

  private static void removeStale(Path dir, String prefix) {
    String me = System.getProperty("user.name");
    try (DirectoryStream<Path> files =
        Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
      for (Path p : files) {
        Matcher m = STALE.matcher(p.getFileName().toString().substring(prefix.length()));
        if (!m.matches() || m.group(1).length() > 18) {
          continue;
        }
        long pid = Long.parseLong(m.group(1));
        boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        if (!alive && Files.isRegularFile(p) && Files.getOwner(p).getName().equals(me)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      // best effort: a stale file we cannot remove does not stop this run
    }
  }
}
