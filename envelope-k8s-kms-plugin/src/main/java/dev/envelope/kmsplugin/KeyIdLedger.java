package dev.envelope.kmsplugin;

import dev.envelope.core.LogicalKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The KMS v2 {@code key_id} of a logical key's write set: {@code envelope:v1:KEY:EPOCH:DIGEST},
 * where DIGEST names the write set ({@code keks} in order and {@code minWrap}) and EPOCH grows by
 * at least one at every change of it, so that A → B → A gets a third id, never A's again. The last
 * (digest, epoch) is kept in a small file in the state directory, so that a restart with an
 * unchanged write set keeps its id; if the file is lost the epoch restarts from the clock (seconds
 * since 1970), which is still above every epoch issued before. Ids hold names only.
 */
final class KeyIdLedger {
  private static final Pattern FORM =
      Pattern.compile("envelope:v1:([A-Za-z0-9][A-Za-z0-9._-]{0,63}):([0-9]{1,19}):([0-9a-f]{16})");

  private final Path file;
  private final Clock clock;
  private String digest;
  private long epoch;

  /**
   * @param stateDir where the ledger file is kept (created if missing)
   */
  KeyIdLedger(Path stateDir, String logicalKeyId, Clock clock) {
    this.file = stateDir.resolve("key-id." + logicalKeyId + ".properties");
    this.clock = clock;
    try {
      Files.createDirectories(stateDir);
      if (Files.exists(file)) {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          p.load(in);
        }
        this.digest = p.getProperty("writeSet");
        this.epoch = Long.parseLong(p.getProperty("epoch", "0"));
      }
    } catch (IOException | NumberFormatException e) {
      // A damaged ledger is replaced: the clock keeps the next epoch above the lost ones.
      this.digest = null;
      this.epoch = 0;
    }
  }

  /** The id for {@code key}'s write set now, moving to a new epoch if it changed. */
  synchronized String keyId(LogicalKey key) {
    String current = writeSetDigest(key);
    if (!current.equals(digest)) {
      epoch = Math.max(epoch + 1, clock.instant().getEpochSecond());
      digest = current;
      save();
    }
    return "envelope:v1:" + key.id() + ":" + epoch + ":" + digest;
  }

  /** True if {@code keyId} has this plugin's form for {@code logicalKeyId}. */
  static boolean isOurs(String keyId, String logicalKeyId) {
    Matcher m = FORM.matcher(keyId);
    return m.matches() && m.group(1).equals(logicalKeyId);
  }

  /** The write set's name: SHA-256 over minWrap and the KEK URIs in policy order, 16 hex digits. */
  static String writeSetDigest(LogicalKey key) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(("minWrap=" + key.minWrap() + "\n").getBytes(StandardCharsets.UTF_8));
      for (String uri : List.copyOf(key.keks())) {
        md.update((uri + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(md.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private void save() {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.writeString(
          tmp,
          "# The last KMS v2 key_id of this logical key: do not edit.\nwriteSet="
              + digest
              + "\nepoch="
              + epoch
              + "\n",
          StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the key id ledger " + file, e);
    }
  }
}
