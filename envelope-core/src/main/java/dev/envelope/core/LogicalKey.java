package dev.envelope.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.core.format.KekUris;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One logical key of the {@link KeyPolicy}: the KEKs new data keys are wrapped under ({@link
 * #keks()}), the retiring ones that may still unwrap ({@link #decryptOnly()}), and how many wraps
 * must succeed for an encrypt to succeed ({@link #minWrap()}). Immutable; equal when every setting
 * is.
 */
public final class LogicalKey {
  /**
   * Most KEKs in {@link #keks()}: an envelope carries one recipient per KEK, and readers refuse
   * more than {@link EnvelopeLimits#maxRecipients()} (16 by default).
   */
  public static final int MAX_KEKS = 16;

  /** Most KEKs in {@link #decryptOnly()}. */
  public static final int MAX_DECRYPT_ONLY = 64;

  private final String id;
  private final List<String> keks;
  private final List<String> decryptOnly;
  private final int minWrap;
  private final DataKeyCacheLimits dataKeyCache;
  private final @org.jspecify.annotations.Nullable Duration rotationPeriod;
  private final List<byte[]> references;
  private final List<String> allKeks;
  private final Set<String> allowed;
  private final int hash;

  private LogicalKey(
      String id,
      List<String> keks,
      List<String> decryptOnly,
      int minWrap,
      DataKeyCacheLimits dataKeyCache,
      @org.jspecify.annotations.Nullable Duration rotationPeriod) {
    this.id = id;
    this.rotationPeriod = rotationPeriod;
    this.keks = List.copyOf(keks);
    this.decryptOnly = List.copyOf(decryptOnly);
    this.minWrap = minWrap;
    this.dataKeyCache = dataKeyCache;
    List<String> all = new ArrayList<>(this.keks);
    all.addAll(this.decryptOnly);
    this.allKeks = List.copyOf(all);
    List<byte[]> refs = new ArrayList<>();
    for (String uri : allKeks) {
      refs.add(KekUris.reference(uri));
    }
    this.references = refs;
    this.allowed = Set.copyOf(allKeks);
    this.hash =
        java.util.Objects.hash(
            id, this.keks, this.decryptOnly, minWrap, dataKeyCache, rotationPeriod);
  }

  static LogicalKey parse(PolicyDocument doc, String id, JsonNode node, String path) {
    doc.allowOnly(
        node, path, Set.of("keks", "decryptOnly", "minWrap", "dataKeyCache", "rotationPeriod"));
    List<String> keks = doc.stringList(node.get("keks"), path + ".keks", MAX_KEKS);
    List<String> decryptOnly =
        doc.stringList(node.get("decryptOnly"), path + ".decryptOnly", MAX_DECRYPT_ONLY);
    int minWrap = keks.size();
    JsonNode mw = node.get("minWrap");
    if (mw != null) {
      if (!mw.isInt()) {
        throw new InvalidPolicyException(doc.source, path + ".minWrap", "must be a whole number");
      }
      minWrap = mw.intValue();
    }
    DataKeyCacheLimits cache = parseCache(doc, node.get("dataKeyCache"), path + ".dataKeyCache");
    Duration rotation = null;
    if (node.has("rotationPeriod")) {
      rotation = parseRotation(doc, node.get("rotationPeriod"), path + ".rotationPeriod");
    }
    return of(doc, id, keks, decryptOnly, minWrap, cache, path).withRotationPeriod(rotation);
  }

  /** Longest {@link #rotationPeriod()} a policy may require: ten years. */
  public static final Duration MAX_ROTATION_PERIOD = Duration.ofDays(3650);

  private static Duration parseRotation(PolicyDocument doc, JsonNode node, String path) {
    String text = node.isTextual() ? node.textValue() : "";
    Duration d = null;
    if (PolicyDocument.DURATION.matcher(text).matches()) {
      d = Duration.parse(text);
    }
    if (d == null || d.isZero() || d.compareTo(MAX_ROTATION_PERIOD) > 0) {
      throw new InvalidPolicyException(
          doc.source,
          path,
          "must be an ISO-8601 duration such as P90D or P365D, positive and at most P3650D");
    }
    return d;
  }

  /** This key with {@link #rotationPeriod()} set (or cleared with null). */
  LogicalKey withRotationPeriod(@org.jspecify.annotations.Nullable Duration period) {
    if (period != null
        && (period.isNegative() || period.isZero() || period.compareTo(MAX_ROTATION_PERIOD) > 0)) {
      throw new IllegalArgumentException("rotationPeriod must be positive and at most P3650D");
    }
    return new LogicalKey(id, keks, decryptOnly, minWrap, dataKeyCache, period);
  }

  private static DataKeyCacheLimits parseCache(PolicyDocument doc, JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return DataKeyCacheLimits.DEFAULTS;
    }
    doc.object(node, path);
    doc.allowOnly(node, path, Set.of("maxAge", "maxMessages", "maxBytes"));
    DataKeyCacheLimits d = DataKeyCacheLimits.DEFAULTS;
    java.time.Duration maxAge = d.maxAge();
    long maxMessages = d.maxMessages();
    long maxBytes = d.maxBytes();
    if (node.has("maxAge")) {
      try {
        String text = node.get("maxAge").isTextual() ? node.get("maxAge").textValue() : "";
        if (!PolicyDocument.DURATION.matcher(text).matches()) {
          throw new java.time.format.DateTimeParseException("not in the policy's subset", text, 0);
        }
        maxAge = java.time.Duration.parse(text);
      } catch (java.time.format.DateTimeParseException e) {
        throw new InvalidPolicyException(
            doc.source,
            path + ".maxAge",
            "not an ISO-8601 duration such as PT5M or PT1H: " + node.get("maxAge").asText());
      }
    }
    if (node.has("maxMessages")) {
      JsonNode m = node.get("maxMessages");
      if (!m.canConvertToLong() || !m.isIntegralNumber()) {
        throw new InvalidPolicyException(
            doc.source, path + ".maxMessages", "must be a whole number");
      }
      maxMessages = m.longValue();
    }
    if (node.has("maxBytes")) {
      maxBytes = PolicyDocument.parseBytes(doc, node.get("maxBytes"), path + ".maxBytes");
    }
    try {
      return new DataKeyCacheLimits(maxAge, maxMessages, maxBytes);
    } catch (IllegalArgumentException e) {
      throw new InvalidPolicyException(doc.source, path, e.getMessage());
    }
  }

  static LogicalKey of(
      PolicyDocument doc,
      String id,
      List<String> keks,
      List<String> decryptOnly,
      int minWrap,
      DataKeyCacheLimits dataKeyCache,
      String path) {
    if (keks != null && keks.size() > MAX_KEKS) {
      throw new InvalidPolicyException(
          doc.source, path + ".keks", "at most " + MAX_KEKS + " entries, found " + keks.size());
    }
    if (decryptOnly != null && decryptOnly.size() > MAX_DECRYPT_ONLY) {
      throw new InvalidPolicyException(
          doc.source,
          path + ".decryptOnly",
          "at most " + MAX_DECRYPT_ONLY + " entries, found " + decryptOnly.size());
    }
    if (keks == null || keks.isEmpty()) {
      throw new InvalidPolicyException(
          doc.source,
          path + ".keks",
          "must list at least one KEK URI that new data keys are wrapped under");
    }
    List<String> dec = decryptOnly == null ? List.of() : decryptOnly;
    Set<String> seen = new HashSet<>();
    Set<String> refs = new HashSet<>();
    checkUris(doc, keks, path + ".keks", seen, refs);
    checkUris(doc, dec, path + ".decryptOnly", seen, refs);
    if (minWrap < 1 || minWrap > keks.size()) {
      throw new InvalidPolicyException(
          doc.source,
          path + ".minWrap",
          "must be between 1 and the number of keks (" + keks.size() + "), found " + minWrap);
    }
    return new LogicalKey(
        id,
        keks,
        dec,
        minWrap,
        dataKeyCache == null ? DataKeyCacheLimits.DEFAULTS : dataKeyCache,
        null);
  }

  private static void checkUris(
      PolicyDocument doc, List<String> uris, String path, Set<String> seen, Set<String> refs) {
    for (int i = 0; i < uris.size(); i++) {
      String uri = uris.get(i);
      String where = path + "[" + i + "]";
      if (!KekUris.isValid(uri)) {
        throw new InvalidPolicyException(
            doc.source,
            where,
            "not a KEK URI: expected scheme://name with a lower-case scheme such as local,"
                + " tink-keyset, aws-kms, gcp-kms, azure-kv or pkcs11, and no spaces");
      }
      if (!seen.add(uri)) {
        throw new InvalidPolicyException(
            doc.source,
            where,
            "the KEK " + uri + " is listed twice for this logical key (in keks or decryptOnly)");
      }
      if (!refs.add(KekUris.hex(KekUris.reference(uri)))) {
        throw new InvalidPolicyException(
            doc.source,
            where,
            "the KEK reference (SHA-256 prefix) of "
                + uri
                + " collides with another KEK of this key");
      }
    }
  }

  /** The logical key id. */
  public String id() {
    return id;
  }

  /** KEKs every new data key is wrapped under, in policy order. */
  public List<String> keks() {
    return keks;
  }

  /** Retiring KEKs: used to unwrap, never to wrap. */
  public List<String> decryptOnly() {
    return decryptOnly;
  }

  /** How many of {@link #keks()} must wrap a new data key for encrypt to succeed. */
  public int minWrap() {
    return minWrap;
  }

  /** How long and how much one data key is reused for encryption. */
  public DataKeyCacheLimits dataKeyCache() {
    return dataKeyCache;
  }

  /**
   * How often the KEKs that wrap ({@link #keks()}) must rotate, if the policy requires it ({@code
   * rotationPeriod: P90D}): a requirement the rotation check judges each KEK's service against, not
   * something Envelope does itself.
   */
  public Optional<Duration> rotationPeriod() {
    return Optional.ofNullable(rotationPeriod);
  }

  /** {@link #keks()} then {@link #decryptOnly()}: every KEK allowed to unwrap. */
  public List<String> allKeks() {
    return allKeks;
  }

  /**
   * The KEK URI whose recipient reference ({@code docs/FORMAT.md} §3: the first 8 bytes of SHA-256
   * of the URI) is {@code reference}, if this key allows that KEK to unwrap.
   */
  public Optional<String> kekFor(byte[] reference) {
    for (int i = 0; i < references.size(); i++) {
      if (Arrays.equals(references.get(i), reference)) {
        return Optional.of(allKeks.get(i));
      }
    }
    return Optional.empty();
  }

  /** True if {@code uri} may unwrap this key's data keys: it is in {@link #allKeks()}. */
  public boolean allows(String uri) {
    return allowed.contains(uri);
  }

  /** True if {@code uri} is a decrypt-only (retiring) KEK of this key. */
  public boolean isDecryptOnly(String uri) {
    return decryptOnly.contains(uri);
  }

  /**
   * Equal when every setting is: id, both KEK lists in order, {@code minWrap} and cache limits. A
   * reloaded policy retires the cached data key of each logical key that is not equal to before.
   */
  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof LogicalKey k
            && hash == k.hash
            && id.equals(k.id)
            && keks.equals(k.keks)
            && decryptOnly.equals(k.decryptOnly)
            && minWrap == k.minWrap
            && dataKeyCache.equals(k.dataKeyCache)
            && java.util.Objects.equals(rotationPeriod, k.rotationPeriod));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "LogicalKey["
        + id
        + ", keks="
        + keks
        + ", decryptOnly="
        + decryptOnly
        + ", minWrap="
        + minWrap
        + ", dataKeyCache="
        + dataKeyCache
        + (rotationPeriod == null ? "" : ", rotationPeriod=" + rotationPeriod)
        + "]";
  }
}
