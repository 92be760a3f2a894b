package dev.envelope.core.spi;

import dev.envelope.core.KeyUnavailableException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key files for providers that keep secrets on disk (the local KEKs, HPKE private keys): bounded
 * reads with typed errors, a warning when others may read a key, and owner-only creation that never
 * overwrites and never leaves a half-written key.
 */
public final class SecretFiles {
  private static final Logger LOG = LoggerFactory.getLogger(SecretFiles.class);
  private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();

  /** Larger files are not key files and are not read. */
  public static final long MAX_KEY_FILE_BYTES = 64 * 1024;

  private SecretFiles() {}

  /**
   * Reads a key file of at most 64 KiB; warns once if others may read it.
   *
   * @param uri the KEK the file belongs to, for messages
   * @throws KeyUnavailableException (not retryable) if it is missing, too large or unreadable
   */
  public static byte[] read(Path file, String uri) {
    try {
      long size = Files.size(file);
      if (size > MAX_KEY_FILE_BYTES) {
        throw new KeyUnavailableException(
            "the key file of " + uri + " (" + file + ") is " + size + " bytes: not a key file",
            false);
      }
      warnIfReadableByOthers(file);
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new KeyUnavailableException(
          "the key file of "
              + uri
              + " was not found at "
              + file
              + "; create it with 'envelope keygen' or set providers.<scheme>.dir in the local config",
          false);
    } catch (IOException e) {
      throw new KeyUnavailableException(
          "the key file of "
              + uri
              + " at "
              + file
              + " cannot be read: "
              + e.getClass().getSimpleName(),
          false,
          e);
    }
  }

  /**
   * Describes a KEK kept in a key file, without reading the key: the file as its identity, its
   * owner, permissions, size and modification time as details, and as problems a missing or
   * unreadable file or one readable by group or others. The key state is {@code ENABLED} when this
   * process can read the file, else {@code UNKNOWN}.
   *
   * @param kind what the file holds, for the identity ("AES-256 key file")
   */
  public static KekDescription describe(Path file, String kind) {
    Path absolute = file.toAbsolutePath().normalize();
    KekDescription.Builder d =
        KekDescription.builder(kind + " " + absolute, "a file this process reads");
    if (!Files.exists(absolute)) {
      return d.problem("the file " + absolute + " does not exist").build();
    }
    try {
      PosixFileAttributeView view =
          Files.getFileAttributeView(absolute, PosixFileAttributeView.class);
      if (view != null) {
        var attributes = view.readAttributes();
        d.detail("owner", attributes.owner().getName())
            .detail("permissions", PosixFilePermissions.toString(attributes.permissions()))
            .detail("bytes", Long.toString(attributes.size()))
            .detail("modified", attributes.lastModifiedTime().toInstant().toString());
        Set<PosixFilePermission> perms = attributes.permissions();
        if (perms.contains(PosixFilePermission.GROUP_READ)
            || perms.contains(PosixFilePermission.OTHERS_READ)) {
          d.problem(
              "the file is readable by group or others ("
                  + PosixFilePermissions.toString(perms)
                  + "); chmod 600 it");
        }
      }
    } catch (IOException e) {
      d.problem("cannot read the attributes of " + absolute + ": " + e.getClass().getSimpleName());
    }
    if (Files.isReadable(absolute)) {
      d.confirmed(null).keyState(KekDescription.KeyState.ENABLED);
    } else {
      d.problem("this process cannot read " + absolute);
    }
    return d.build();
  }

  private static void warnIfReadableByOthers(Path file) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view == null) {
      return;
    }
    Set<PosixFilePermission> perms = view.readAttributes().permissions();
    if ((perms.contains(PosixFilePermission.GROUP_READ)
            || perms.contains(PosixFilePermission.OTHERS_READ))
        && WARNED.add(file.toAbsolutePath())) {
      LOG.warn(
          "Key file {} is readable by group or others; restrict it to its owner (chmod 600)", file);
    }
  }

  /**
   * Writes {@code content} to a new file readable and writable by its owner only. The name is
   * claimed first, so an existing file is never overwritten; the content lands through an atomic
   * rename so a crash leaves no half-written key.
   *
   * @throws FileAlreadyExistsException if {@code file} exists
   */
  public static void writeOwnerOnly(Path file, byte[] content) throws IOException {
    write(file, content, false);
  }

  /**
   * Replaces the existing {@code file} with {@code content}, owner-only, through an atomic rename:
   * a reader (or a crash) sees the old content or the new, never a mix.
   *
   * @throws java.nio.file.NoSuchFileException if {@code file} does not exist
   */
  public static void replaceOwnerOnly(Path file, byte[] content) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new java.nio.file.NoSuchFileException(file.toString());
    }
    write(file, content, true);
  }

  private static void write(Path file, byte[] content, boolean replace) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
    if (replace) {
      // nothing to claim: the file exists and keeps its name until the rename replaces it
    } else if (posix) {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } else {
      Files.createFile(file);
    }
    Path tmp = null;
    try {
      tmp =
          posix
              ? Files.createTempFile(
                  dir,
                  ".envelope-",
                  ".tmp",
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rw-------")))
              : Files.createTempFile(dir, ".envelope-", ".tmp");
      Files.write(tmp, content);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
      if (!replace) {
        Files.deleteIfExists(file);
      }
      throw e;
    }
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("key file vanished after writing: " + file);
    }
  }
}
