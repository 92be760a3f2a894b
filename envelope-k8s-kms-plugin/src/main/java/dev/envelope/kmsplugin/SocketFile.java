package dev.envelope.kmsplugin;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The plugin's Unix socket file: a stale one left by a crashed run is removed, but only if it is a
 * socket and nobody answers on it (a running plugin is never displaced, a regular file never
 * deleted); the directory is created owner-only if missing, and the socket is made owner-only once
 * bound (kube-apiserver runs as root on the same node).
 */
final class SocketFile {
  private SocketFile() {}

  /**
   * Makes {@code socket} ready to bind.
   *
   * @throws IOException if another process serves it, or the path is not a socket
   */
  static void prepare(Path socket) throws IOException {
    Path dir = socket.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!isSocket(socket)) {
      throw new IOException(
          socket + " exists and is not a socket; refusing to replace it (remove it yourself)");
    }
    boolean answered;
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      answered = probe.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      answered = false; // connection refused: its process is gone
    }
    if (answered) {
      throw new IOException(socket + " is served by another running process; stop it first");
    }
    Files.deleteIfExists(socket);
  }

  /** Restricts the bound socket to its owner. */
  static void restrict(Path socket) throws IOException {
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
  }

  static boolean isSocket(Path path) throws IOException {
    Object type = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    return type instanceof Integer mode && (mode & 0170000) == 0140000;
  }
}
