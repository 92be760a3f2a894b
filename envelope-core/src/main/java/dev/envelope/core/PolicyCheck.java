package dev.envelope.core;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Whether one step from a policy to the next is safe while GitOps rolls it out, when some clusters
 * still run the previous version and others already the new one. The rules, each a finding:
 *
 * <ul>
 *   <li>A KEK starts wrapping ({@code keks}) that the previous version could not unwrap: clusters
 *       still on it cannot open the new envelopes. <b>Unsafe</b>: add it to {@code decryptOnly}
 *       first, let that reach every cluster, then promote it.
 *   <li>A KEK that wrapped in the previous version is in neither list now: clusters still on it go
 *       on writing envelopes that this version cannot open. <b>Unsafe</b>: demote it to {@code
 *       decryptOnly} first, rewrap, then remove it.
 *   <li>A decrypt-only KEK is removed: envelopes wrapped only under it become unreadable.
 *       <b>Unsafe</b> unless the caller states it rewrapped them ({@code allowRemoval} names the
 *       KEK URI).
 *   <li>A logical key is removed: its envelopes become unreadable. <b>Unsafe</b> unless {@code
 *       allowRemoval} names the logical key.
 *   <li>Adding a logical key or a decrypt-only KEK, promoting a decrypt-only KEK, demoting a KEK to
 *       decrypt-only, and changing {@code minWrap} or the cache limits are safe.
 * </ul>
 *
 * Anything the parser refuses — {@code minWrap} above the number of KEKs, a malformed URI — never
 * gets here: {@link KeyPolicy#parse} throws first. The check compares two consecutive versions
 * only; each step must have reached every cluster (equal {@link PolicyStatus#digest()}s) before the
 * next is merged.
 */
public final class PolicyCheck {
  private PolicyCheck() {}

  /** Whether a finding blocks the step. */
  public enum Verdict {
    SAFE,
    UNSAFE
  }

  /** What changed for a logical key or one of its KEKs. */
  public enum Change {
    KEY_ADDED,
    KEY_REMOVED,
    KEY_UNCHANGED,
    KEK_ADDED_DECRYPT_ONLY,
    KEK_ADDED_WRAPPING,
    KEK_PROMOTED,
    KEK_DEMOTED,
    KEK_REMOVED,
    KEK_REORDERED,
    MIN_WRAP_CHANGED,
    DATA_KEY_CACHE_CHANGED,
    ROTATION_PERIOD_CHANGED
  }

  /**
   * One change of one logical key.
   *
   * @param logicalKey the logical key id
   * @param kek the KEK URI the change is about, if it is about one
   * @param message what changed and, for an unsafe change, what to do instead
   */
  public record Finding(
      String logicalKey, Optional<String> kek, Change change, Verdict verdict, String message) {}

  /**
   * The findings of one step, in policy order.
   *
   * @param previousDigest the previous version's digest, if one was given
   */
  public record Report(Optional<String> previousDigest, String digest, List<Finding> findings) {
    public Report {
      findings = List.copyOf(findings);
    }

    /** True if no finding is unsafe. */
    public boolean safe() {
      return findings.stream().noneMatch(f -> f.verdict() == Verdict.UNSAFE);
    }
  }

  /**
   * Compares {@code next} with {@code previous}.
   *
   * @param previous the version in force now; null for a first version (every key is added)
   * @param allowRemoval KEK URIs and logical key ids whose removal the caller vouches for: every
   *     envelope under them was rewrapped or is no longer needed
   */
  public static Report compare(
      @Nullable KeyPolicy previous, KeyPolicy next, Set<String> allowRemoval) {
    if (next == null || allowRemoval == null) {
      throw new IllegalArgumentException("next and allowRemoval must not be null");
    }
    List<Finding> out = new ArrayList<>();
    Set<String> ids = new LinkedHashSet<>(next.keyIds());
    if (previous != null) {
      ids.addAll(previous.keyIds());
    }
    for (String id : ids) {
      Optional<LogicalKey> before = previous == null ? Optional.empty() : previous.key(id);
      Optional<LogicalKey> after = next.key(id);
      if (before.isEmpty()) {
        out.add(
            new Finding(
                id,
                Optional.empty(),
                Change.KEY_ADDED,
                Verdict.SAFE,
                "new logical key, wrapping under " + after.orElseThrow().keks()));
      } else if (after.isEmpty()) {
        boolean allowed = allowRemoval.contains(id);
        out.add(
            new Finding(
                id,
                Optional.empty(),
                Change.KEY_REMOVED,
                allowed ? Verdict.SAFE : Verdict.UNSAFE,
                allowed
                    ? "logical key removed (removal allowed)"
                    : "logical key removed: every envelope sealed under it becomes unreadable;"
                        + " migrate or delete that data first, then pass --allow-removal "
                        + id));
      } else {
        compareKey(id, before.get(), after.get(), allowRemoval, out);
      }
    }
    return new Report(
        previous == null ? Optional.empty() : Optional.of(previous.digest()), next.digest(), out);
  }

  private static void compareKey(
      String id, LogicalKey before, LogicalKey after, Set<String> allowRemoval, List<Finding> out) {
    int start = out.size();
    for (String kek : after.keks()) {
      if (before.keks().contains(kek)) {
        continue;
      }
      if (before.isDecryptOnly(kek)) {
        out.add(
            new Finding(
                id,
                Optional.of(kek),
                Change.KEK_PROMOTED,
                Verdict.SAFE,
                "promoted from decryptOnly to keks: clusters on the previous version can already"
                    + " unwrap it"));
      } else {
        out.add(
            new Finding(
                id,
                Optional.of(kek),
                Change.KEK_ADDED_WRAPPING,
                Verdict.UNSAFE,
                "starts wrapping, but clusters still on the previous version cannot unwrap it and"
                    + " would fail to open the new envelopes; add it to decryptOnly first, let that"
                    + " reach every cluster, then promote it to keks"));
      }
    }
    for (String kek : after.decryptOnly()) {
      if (before.decryptOnly().contains(kek)) {
        continue;
      }
      if (before.keks().contains(kek)) {
        out.add(
            new Finding(
                id,
                Optional.of(kek),
                Change.KEK_DEMOTED,
                Verdict.SAFE,
                "demoted to decryptOnly: no longer wraps, still unwraps; rewrap the stored"
                    + " envelopes before removing it"));
      } else {
        out.add(
            new Finding(
                id,
                Optional.of(kek),
                Change.KEK_ADDED_DECRYPT_ONLY,
                Verdict.SAFE,
                "added as decryptOnly: once every cluster has this version it can be promoted"));
      }
    }
    for (String kek : before.allKeks()) {
      if (after.allows(kek)) {
        continue;
      }
      boolean wasWrapping = before.keks().contains(kek);
      boolean allowed = !wasWrapping && allowRemoval.contains(kek);
      out.add(
          new Finding(
              id,
              Optional.of(kek),
              Change.KEK_REMOVED,
              allowed ? Verdict.SAFE : Verdict.UNSAFE,
              wasWrapping
                  ? "removed while it still wraps: clusters on the previous version keep writing"
                      + " envelopes that this version cannot open; demote it to decryptOnly"
                      + " first, rewrap, then remove it"
                  : allowed
                      ? "removed (removal allowed: its envelopes were rewrapped)"
                      : "removed: envelopes wrapped only under it become unreadable; rewrap them"
                          + " first (envelope rewrap), then pass --allow-removal "
                          + kek));
    }
    if (out.size() == start
        && before.keks().size() == after.keks().size()
        && !before.keks().equals(after.keks())) {
      out.add(
          new Finding(
              id,
              Optional.empty(),
              Change.KEK_REORDERED,
              Verdict.SAFE,
              "keks reordered: new envelopes list their recipients in the new order"));
    }
    if (before.minWrap() != after.minWrap()) {
      out.add(
          new Finding(
              id,
              Optional.empty(),
              Change.MIN_WRAP_CHANGED,
              Verdict.SAFE,
              "minWrap " + before.minWrap() + " -> " + after.minWrap()));
    }
    if (!before.dataKeyCache().equals(after.dataKeyCache())) {
      out.add(
          new Finding(
              id,
              Optional.empty(),
              Change.DATA_KEY_CACHE_CHANGED,
              Verdict.SAFE,
              "dataKeyCache " + before.dataKeyCache() + " -> " + after.dataKeyCache()));
    }
    if (!before.rotationPeriod().equals(after.rotationPeriod())) {
      out.add(
          new Finding(
              id,
              Optional.empty(),
              Change.ROTATION_PERIOD_CHANGED,
              Verdict.SAFE,
              "rotationPeriod "
                  + before.rotationPeriod().map(Object::toString).orElse("none")
                  + " -> "
                  + after.rotationPeriod().map(Object::toString).orElse("none")));
    }
    if (out.size() == start) {
      out.add(new Finding(id, Optional.empty(), Change.KEY_UNCHANGED, Verdict.SAFE, "unchanged"));
    }
  }
}
