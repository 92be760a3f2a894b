package dev.envelope.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Standard streams as raw binary streams ({@code -} means stdin or stdout). */
final class Io {
  private Io() {}

  static boolean isStd(Path p) {
    return p == null || p.toString().equals("-");
  }

  static InputStream input(Path p) throws IOException {
    return new BufferedInputStream(
        isStd(p) ? new FileInputStream(FileDescriptor.in) : Files.newInputStream(p), 64 * 1024);
  }

  static OutputStream stdout() {
    return new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024);
  }
}
