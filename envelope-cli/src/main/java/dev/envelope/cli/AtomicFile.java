package dev.envelope.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes a file all or nothing: into a temporary file beside the target (owner-only), then {@link
 * #commit()} flushes it to disk and renames it over the target. Closing without committing deletes
 * the temporary file, so a failed decrypt leaves no partial plaintext behind.
 */
final class AtomicFile implements AutoCloseable {
  private final Path target;
  private final Path temp;
  private final FileChannel channel;
  private final OutputStream out;
  private boolean committed;

  AtomicFile(Path target, Set<PosixFilePermission> permissions) throws IOException {
    this.target = target.toAbsolutePath();
    Path dir = this.target.getParent();
    boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
    this.temp = posix
        ? Files.createTempFile(dir, "." + this.target.getFileName(), ".envelope-tmp",
            PosixFilePermissions.asFileAttribute(permissions))
        : Files.createTempFile(dir, "." + this.target.getFileName(), ".envelope-tmp");
    this.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
    // Closing this stream must not close the channel before commit() forces it to disk.
    this.out = new java.io.BufferedOutputStream(new java.io.FilterOutputStream(Channels.newOutputStream(channel)) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    }, 64 * 1024);
  }

  /** A new file readable by its owner only (plaintext, keys). */
  static AtomicFile ownerOnly(Path target) throws IOException {
    return new AtomicFile(target, PosixFilePermissions.fromString("rw-------"));
  }

  /** A new file with the same permissions as {@code original} (rewrap in place). */
  static AtomicFile replacing(Path original) throws IOException {
    Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rw-------");
    PosixFileAttributeView view = Files.getFileAttributeView(original, PosixFileAttributeView.class);
    if (view != null) {
      perms = view.readAttributes().permissions();
    }
    return new AtomicFile(original, perms);
  }

  OutputStream stream() {
    return out;
  }

  /** Flushes, forces to disk and renames over the target. */
  void commit() throws IOException {
    out.flush();
    channel.force(true);
    channel.close();
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    committed = true;
  }

  @Override
  public void close() throws IOException {
    if (!committed) {
      channel.close();
      Files.deleteIfExists(temp);
    }
  }
}
