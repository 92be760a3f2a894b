package dev.envelope.cli;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.MalformedEnvelopeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/** The documented exit codes, and the one-line message for each kind of failure. */
enum ExitCode {
  OK(0, "ok"),
  INTERNAL(1, "internal error"),
  USAGE(2, "usage error"),
  AUTHENTICATION(3, "authentication failed"),
  KEY_UNAVAILABLE(4, "key unavailable"),
  MALFORMED(5, "malformed input"),
  IO(6, "I/O error"),
  INVALID_POLICY(7, "invalid configuration"),
  UNSAFE_CHANGE(8, "unsafe policy change"),
  STALE(9, "stale envelopes found"),
  CANNOT_SEAL(10, "cannot seal"),
  CANNOT_OPEN(11, "cannot open");

  private final int code;
  private final String label;

  ExitCode(int code, String label) {
    this.code = code;
    this.label = label;
  }

  int code() {
    return code;
  }

  String label() {
    return label;
  }

  static ExitCode of(Throwable e) {
    if (e instanceof UncheckedIOException u) {
      return of(u.getCause());
    }
    if (e instanceof AuthenticationException) {
      return AUTHENTICATION;
    }
    if (e instanceof KeyUnavailableException) {
      return KEY_UNAVAILABLE;
    }
    if (e instanceof MalformedEnvelopeException) {
      return MALFORMED;
    }
    if (e instanceof InvalidPolicyException) {
      return INVALID_POLICY;
    }
    if (e instanceof IOException) {
      return IO;
    }
    if (e instanceof IllegalArgumentException) {
      return USAGE;
    }
    return INTERNAL;
  }

  /** A message a person can act on; file-system exceptions carry only a path, so say what. */
  static String message(Throwable e) {
    if (e instanceof UncheckedIOException u && u.getCause() != null) {
      return message(u.getCause());
    }
    if (e instanceof NoSuchFileException) {
      return "no such file: " + e.getMessage();
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied: " + e.getMessage();
    }
    if (e instanceof FileAlreadyExistsException) {
      return e.getMessage() + " already exists; pass --force to replace it";
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
