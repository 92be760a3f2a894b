package dev.envelope.core.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import dev.envelope.core.BodyAlgorithm;
import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.MalformedEnvelopeException;
import dev.envelope.core.format.EnvelopeHeader.Recipient;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads and writes the header of format v1 ({@code docs/FORMAT.md} §2–§3).
 *
 * <pre>
 * magic "ENV" (3) || version 0x01 (1) || P (uint16 BE) || protected header (P bytes, CBOR map)
 *                 || R (uint16 BE) || recipients (R bytes, CBOR array) || body
 * </pre>
 *
 * <p>Jackson parses the CBOR; strictness comes from re-encoding what was parsed and requiring the
 * very same bytes, so every header has exactly one accepted encoding (deterministic CBOR, RFC 8949
 * §4.2: definite lengths, shortest integer forms, sorted map keys) and nothing unknown is silently
 * skipped. Every length is checked against {@link EnvelopeLimits} before anything is allocated from
 * it.
 */
public final class HeaderCodec {
  private static final byte[] MAGIC = {'E', 'N', 'V'};
  public static final int FORMAT_VERSION = 1;
  public static final int PREFIX_BYTES = MAGIC.length + 1 + 2;
  public static final int KEK_REF_BYTES = 8;

  private static final int KEY_ALG = 1;
  private static final int KEY_KID = 2;
  private static final int KEY_CTX = 3;
  private static final int KEY_CMT = 4;

  private static final CBORFactory CBOR = CBORFactory.builder().build();

  /** Deterministic CBOR order for text keys: shorter first, then bytewise. */
  public static final Comparator<String> CBOR_KEY_ORDER =
      Comparator.<String>comparingInt(s -> s.getBytes(StandardCharsets.UTF_8).length)
          .thenComparing(
              (a, b) ->
                  Arrays.compareUnsigned(
                      a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));

  private HeaderCodec() {}

  // ---------------------------------------------------------------- writing

  /** The authenticated part: magic, version, P and the protected header. */
  public static byte[] encodeAuthenticated(
      BodyAlgorithm algorithm, String kid, SortedMap<String, String> context, byte[] commitment) {
    byte[] protectedHeader = encodeProtected(algorithm, kid, context, commitment);
    byte[] out = new byte[PREFIX_BYTES + protectedHeader.length];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    out[MAGIC.length] = FORMAT_VERSION;
    putU16(out, MAGIC.length + 1, protectedHeader.length);
    System.arraycopy(protectedHeader, 0, out, PREFIX_BYTES, protectedHeader.length);
    return out;
  }

  /** R (uint16) followed by the encoded recipients. */
  public static byte[] encodeRecipients(List<Recipient> recipients) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(16 + recipients.size() * 64);
    try (CBORGenerator gen = CBOR.createGenerator(buffer)) {
      gen.writeStartArray(recipients, recipients.size());
      for (Recipient r : recipients) {
        gen.writeStartArray(r, 3);
        gen.writeBinary(r.kekRef());
        gen.writeNumber(r.wrapAlgorithm());
        gen.writeBinary(r.wrappedKey());
        gen.writeEndArray();
      }
      gen.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] cbor = buffer.toByteArray();
    if (cbor.length > 65535) {
      throw new IllegalStateException("recipients exceed 65535 bytes");
    }
    byte[] out = new byte[2 + cbor.length];
    putU16(out, 0, cbor.length);
    System.arraycopy(cbor, 0, out, 2, cbor.length);
    return out;
  }

  private static byte[] encodeProtected(
      BodyAlgorithm algorithm, String kid, SortedMap<String, String> context, byte[] commitment) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);
    try (CBORGenerator gen = CBOR.createGenerator(buffer)) {
      gen.writeStartObject(null, 2 + (context.isEmpty() ? 0 : 1) + (commitment == null ? 0 : 1));
      gen.writeFieldId(KEY_ALG);
      gen.writeNumber(algorithm.id());
      gen.writeFieldId(KEY_KID);
      gen.writeString(kid);
      if (!context.isEmpty()) {
        gen.writeFieldId(KEY_CTX);
        gen.writeStartObject(context, context.size());
        List<String> keys = new ArrayList<>(context.keySet());
        keys.sort(CBOR_KEY_ORDER);
        for (String k : keys) {
          gen.writeFieldName(k);
          gen.writeString(context.get(k));
        }
        gen.writeEndObject();
      }
      if (commitment != null) {
        gen.writeFieldId(KEY_CMT);
        gen.writeBinary(commitment);
      }
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] cbor = buffer.toByteArray();
    if (cbor.length > 65535) {
      throw new IllegalStateException("protected header exceeds 65535 bytes");
    }
    return cbor;
  }

  // ---------------------------------------------------------------- reading

  /** Parses the header at the start of a whole envelope. */
  public static EnvelopeHeader parse(byte[] envelope, EnvelopeLimits limits) {
    return decode(envelope, headerLength(envelope, limits), limits);
  }

  /**
   * The length of the header at the start of {@code envelope} (where its body starts), from its
   * length fields, checked against the limits and the input's length before anything is allocated;
   * the header itself is not decoded.
   */
  public static int headerLength(byte[] envelope, EnvelopeLimits limits) {
    if (envelope.length < PREFIX_BYTES) {
      checkMagic(envelope, envelope.length);
      throw truncated();
    }
    checkMagic(envelope, PREFIX_BYTES);
    int p = u16(envelope, MAGIC.length + 1);
    checkProtectedLength(p, limits);
    int recipientsAt = PREFIX_BYTES + p;
    if (envelope.length < recipientsAt + 2) {
      throw truncated();
    }
    int r = u16(envelope, recipientsAt);
    checkRecipientsLength(r, limits);
    int bodyAt = recipientsAt + 2 + r;
    if (envelope.length < bodyAt) {
      throw truncated();
    }
    return bodyAt;
  }

  /** Reads exactly the header from a stream, leaving it positioned at the body. */
  public static EnvelopeHeader read(InputStream in, EnvelopeLimits limits) throws IOException {
    byte[] header = readHeader(in, limits);
    return decode(header, header.length, limits);
  }

  /**
   * Reads the header's bytes from a stream, leaving it positioned at the body; allocates at most
   * the limits' header sizes. The bytes are checked for their lengths only: {@link #decode} them.
   */
  public static byte[] readHeader(InputStream in, EnvelopeLimits limits) throws IOException {
    byte[] prefix = new byte[PREFIX_BYTES];
    int got = in.readNBytes(prefix, 0, PREFIX_BYTES);
    checkMagic(prefix, got);
    if (got < PREFIX_BYTES) {
      throw truncated();
    }
    int p = u16(prefix, MAGIC.length + 1);
    checkProtectedLength(p, limits);
    byte[] protectedAndR = readExactly(in, p + 2);
    int r = u16(protectedAndR, p);
    checkRecipientsLength(r, limits);
    byte[] recipients = readExactly(in, r);
    byte[] header = new byte[PREFIX_BYTES + p + 2 + r];
    System.arraycopy(prefix, 0, header, 0, PREFIX_BYTES);
    System.arraycopy(protectedAndR, 0, header, PREFIX_BYTES, p + 2);
    System.arraycopy(recipients, 0, header, PREFIX_BYTES + p + 2, r);
    return header;
  }

  /**
   * Decodes the header of {@code headerLength} bytes at the start of {@code bytes}, whose length
   * fields {@link #headerLength} or {@link #readHeader} checked.
   */
  public static EnvelopeHeader decode(byte[] bytes, int headerLength, EnvelopeLimits limits) {
    int p = u16(bytes, MAGIC.length + 1);
    int recipientsAt = PREFIX_BYTES + p + 2;
    return decode(bytes, p, recipientsAt, headerLength - recipientsAt, headerLength, limits);
  }

  /** The header bytes as they stand in an envelope: authenticated part, then R and recipients. */
  public static byte[] encode(EnvelopeHeader header) {
    byte[] recipients = encodeRecipients(header.recipients);
    byte[] out =
        Arrays.copyOf(header.authenticated, header.authenticated.length + recipients.length);
    System.arraycopy(recipients, 0, out, header.authenticated.length, recipients.length);
    return out;
  }

  private static EnvelopeHeader decode(
      byte[] bytes, int p, int recipientsAt, int r, int bodyAt, EnvelopeLimits limits) {
    byte[] authenticated = Arrays.copyOf(bytes, PREFIX_BYTES + p);
    ProtectedFields fields = decodeProtected(bytes, PREFIX_BYTES, p, limits);
    List<Recipient> recipients = decodeRecipients(bytes, recipientsAt, r, limits);

    // Deterministic encoding: what we parsed must re-encode to the very same bytes. Text that was
    // not valid UTF-8 was refused while decoding; the catch is the second line of defence, since
    // Jackson's generator fails on an unpaired surrogate with an I/O exception.
    byte[] reencoded;
    try {
      reencoded =
          encodeAuthenticated(fields.algorithm, fields.kid, fields.context, fields.commitment);
    } catch (UncheckedIOException | IllegalStateException e) {
      throw new MalformedEnvelopeException(
          "the protected header cannot be re-encoded: it is not"
              + " the deterministic CBOR encoding of format v1",
          e);
    }
    if (!Arrays.equals(reencoded, authenticated)) {
      throw new MalformedEnvelopeException(
          "the protected header is not in the deterministic CBOR encoding of format v1");
    }
    byte[] reencodedRecipients = encodeRecipients(recipients);
    if (!Arrays.equals(
        reencodedRecipients,
        0,
        reencodedRecipients.length,
        bytes,
        recipientsAt - 2,
        recipientsAt + r)) {
      throw new MalformedEnvelopeException(
          "the recipient list is not in the deterministic CBOR encoding of format v1");
    }
    return new EnvelopeHeader(
        fields.algorithm,
        fields.kid,
        fields.context,
        fields.commitment,
        recipients,
        authenticated,
        bodyAt);
  }

  @SuppressWarnings("ArrayRecordComponent") // a parse result, read once
  private record ProtectedFields(
      BodyAlgorithm algorithm, String kid, SortedMap<String, String> context, byte[] commitment) {}

  private static ProtectedFields decodeProtected(
      byte[] bytes, int off, int len, EnvelopeLimits limits) {
    CborScan.check(bytes, off, len, "protected header");
    BodyAlgorithm algorithm = null;
    String kid = null;
    SortedMap<String, String> context = Collections.emptySortedMap();
    byte[] commitment = null;
    try (JsonParser parser = CBOR.createParser(bytes, off, len)) {
      expect(parser.nextToken(), JsonToken.START_OBJECT, "protected header");
      JsonToken t;
      while ((t = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (field) {
          case "1" -> {
            expect(value, JsonToken.VALUE_NUMBER_INT, "algorithm");
            algorithm = BodyAlgorithm.fromId(parser.getLongValue());
          }
          case "2" -> {
            expect(value, JsonToken.VALUE_STRING, "key id");
            kid = boundedText(parser, limits.maxKeyIdBytes(), "key id", "maxKeyIdBytes");
            if (!KeyIds.isValid(kid)) {
              throw new MalformedEnvelopeException(
                  "the key id is not a valid logical key id (" + KeyIds.RULE + ")");
            }
          }
          case "3" -> {
            expect(value, JsonToken.START_OBJECT, "context");
            context = decodeContext(parser, limits);
          }
          case "4" -> {
            expect(value, JsonToken.VALUE_EMBEDDED_OBJECT, "key commitment");
            commitment = parser.getBinaryValue();
            if (commitment.length != Gcm.COMMITMENT_BYTES) {
              throw new MalformedEnvelopeException(
                  "the key commitment has "
                      + commitment.length
                      + " bytes, expected "
                      + Gcm.COMMITMENT_BYTES);
            }
          }
          default ->
              throw new MalformedEnvelopeException(
                  "unknown protected header field "
                      + abbreviate(field)
                      + "; format v1 has 1 (algorithm), 2 (key id), 3 (context), 4 (key commitment)");
        }
      }
      expect(t, JsonToken.END_OBJECT, "end of protected header");
      if (parser.nextToken() != null) {
        throw new MalformedEnvelopeException("extra bytes after the protected header");
      }
    } catch (IOException | RuntimeException e) {
      throw asMalformed(e, "protected header");
    }
    if (algorithm == null || kid == null) {
      throw new MalformedEnvelopeException(
          "the protected header lacks its " + (algorithm == null ? "algorithm" : "key id"));
    }
    if ((algorithm == BodyAlgorithm.A256GCM) != (commitment != null)) {
      throw new MalformedEnvelopeException(
          algorithm == BodyAlgorithm.A256GCM
              ? "an a256gcm header lacks its key commitment (field 4)"
              : "a cobblestone-256 header must not carry field 4 (key commitment)");
    }
    return new ProtectedFields(algorithm, kid, context, commitment);
  }

  private static SortedMap<String, String> decodeContext(JsonParser parser, EnvelopeLimits limits)
      throws IOException {
    SortedMap<String, String> context = new TreeMap<>();
    JsonToken t;
    while ((t = parser.nextToken()) == JsonToken.FIELD_NAME) {
      if (context.size() >= limits.maxContextEntries()) {
        throw new MalformedEnvelopeException(
            "the context has more than "
                + limits.maxContextEntries()
                + " entries (EnvelopeLimits.maxContextEntries)");
      }
      String key = parser.currentName();
      requireWellFormed(key, "context key");
      checkUtf8Length(key, limits.maxContextKeyBytes(), "context key", "maxContextKeyBytes");
      if (key.isEmpty()) {
        throw new MalformedEnvelopeException("a context key is empty");
      }
      expect(parser.nextToken(), JsonToken.VALUE_STRING, "context value");
      String value =
          boundedText(
              parser, limits.maxContextValueBytes(), "context value", "maxContextValueBytes");
      if (context.put(key, value) != null) {
        throw new MalformedEnvelopeException("the context repeats a key");
      }
    }
    expect(t, JsonToken.END_OBJECT, "end of context");
    return Collections.unmodifiableSortedMap(context);
  }

  private static List<Recipient> decodeRecipients(
      byte[] bytes, int off, int len, EnvelopeLimits limits) {
    CborScan.check(bytes, off, len, "recipient list");
    List<Recipient> recipients = new ArrayList<>();
    try (JsonParser parser = CBOR.createParser(bytes, off, len)) {
      expect(parser.nextToken(), JsonToken.START_ARRAY, "recipient list");
      JsonToken t;
      while ((t = parser.nextToken()) == JsonToken.START_ARRAY) {
        if (recipients.size() >= limits.maxRecipients()) {
          throw new MalformedEnvelopeException(
              "the envelope has more than "
                  + limits.maxRecipients()
                  + " recipients (EnvelopeLimits.maxRecipients)");
        }
        expect(parser.nextToken(), JsonToken.VALUE_EMBEDDED_OBJECT, "recipient KEK reference");
        byte[] ref = parser.getBinaryValue();
        if (ref.length != KEK_REF_BYTES) {
          throw new MalformedEnvelopeException(
              "a recipient's KEK reference has "
                  + ref.length
                  + " bytes, expected "
                  + KEK_REF_BYTES);
        }
        expect(parser.nextToken(), JsonToken.VALUE_NUMBER_INT, "recipient wrap algorithm");
        // One rule for every recipient, listed in the policy or not (FORMAT.md §3): wrapAlg is
        // 1..2^63-1, else the whole envelope is malformed.
        if (parser.getNumberType() != JsonParser.NumberType.INT
            && parser.getNumberType() != JsonParser.NumberType.LONG) {
          throw new MalformedEnvelopeException(
              "a recipient's wrap algorithm is beyond 2^63-1; format v1 allows 1..2^63-1");
        }
        long alg = parser.getLongValue();
        if (alg <= 0) {
          throw new MalformedEnvelopeException(
              "a recipient's wrap algorithm is not positive; format v1 allows 1..2^63-1");
        }
        expect(parser.nextToken(), JsonToken.VALUE_EMBEDDED_OBJECT, "recipient wrapped key");
        byte[] edk = parser.getBinaryValue();
        if (edk.length == 0 || edk.length > limits.maxWrappedKeyBytes()) {
          throw new MalformedEnvelopeException(
              "a recipient's wrapped key has "
                  + edk.length
                  + " bytes; allowed 1.."
                  + limits.maxWrappedKeyBytes()
                  + " (EnvelopeLimits.maxWrappedKeyBytes)");
        }
        expect(parser.nextToken(), JsonToken.END_ARRAY, "end of recipient");
        recipients.add(new Recipient(ref, alg, edk));
      }
      expect(t, JsonToken.END_ARRAY, "end of recipient list");
      if (parser.nextToken() != null) {
        throw new MalformedEnvelopeException("extra bytes after the recipient list");
      }
    } catch (IOException | RuntimeException e) {
      throw asMalformed(e, "recipient list");
    }
    if (recipients.isEmpty()) {
      throw new MalformedEnvelopeException("the envelope has no recipients");
    }
    return List.copyOf(recipients);
  }

  // ---------------------------------------------------------------- helpers

  private static void checkMagic(byte[] bytes, int available) {
    int n = Math.min(available, MAGIC.length);
    for (int i = 0; i < n; i++) {
      if (bytes[i] != MAGIC[i]) {
        throw new MalformedEnvelopeException(
            "not an envelope: the input does not start with the magic bytes \"ENV\" of the format");
      }
    }
    if (available > MAGIC.length && (bytes[MAGIC.length] & 0xff) != FORMAT_VERSION) {
      throw new MalformedEnvelopeException(
          "envelope format version "
              + (bytes[MAGIC.length] & 0xff)
              + " is not supported; this library reads version "
              + FORMAT_VERSION);
    }
  }

  private static void checkProtectedLength(int p, EnvelopeLimits limits) {
    if (p == 0 || p > limits.maxProtectedHeaderBytes()) {
      throw new MalformedEnvelopeException(
          "the protected header claims "
              + p
              + " bytes; allowed 1.."
              + limits.maxProtectedHeaderBytes()
              + " (EnvelopeLimits.maxProtectedHeaderBytes)");
    }
  }

  private static void checkRecipientsLength(int r, EnvelopeLimits limits) {
    if (r == 0 || r > limits.maxRecipientsBytes()) {
      throw new MalformedEnvelopeException(
          "the recipient list claims "
              + r
              + " bytes; allowed 1.."
              + limits.maxRecipientsBytes()
              + " (EnvelopeLimits.maxRecipientsBytes)");
    }
  }

  private static byte[] readExactly(InputStream in, int n) throws IOException {
    byte[] b = new byte[n];
    if (in.readNBytes(b, 0, n) < n) {
      throw truncated();
    }
    return b;
  }

  private static String boundedText(JsonParser parser, int maxBytes, String what, String limit)
      throws IOException {
    String s = parser.getText();
    requireWellFormed(s, what);
    checkUtf8Length(s, maxBytes, what, limit);
    return s;
  }

  /**
   * Refuses text that was not valid UTF-8: Jackson decodes some invalid sequences (such as a 0xF5
   * lead byte) into unpaired surrogates instead of failing, and such a string has no UTF-8 encoding
   * to compare with the input.
   */
  private static void requireWellFormed(String s, String what) {
    if (!isWellFormed(s)) {
      throw new MalformedEnvelopeException("a " + what + " is not valid UTF-8");
    }
  }

  private static void checkUtf8Length(String s, int maxBytes, String what, String limit) {
    // A UTF-8 string of n chars has at least n bytes: cheap pre-check before encoding.
    if (s.length() > maxBytes || s.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw new MalformedEnvelopeException(
          "a " + what + " exceeds " + maxBytes + " bytes (EnvelopeLimits." + limit + ")");
    }
  }

  private static void expect(JsonToken actual, JsonToken expected, String what) {
    if (actual != expected) {
      throw new MalformedEnvelopeException(
          "malformed " + what + ": expected " + describe(expected) + ", found " + describe(actual));
    }
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "end of data";
    }
    return switch (t) {
      case START_OBJECT -> "a map";
      case END_OBJECT -> "end of map";
      case START_ARRAY -> "an array";
      case END_ARRAY -> "end of array";
      case FIELD_NAME -> "a map key";
      case VALUE_STRING -> "a text string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_EMBEDDED_OBJECT -> "a byte string";
      default -> "another CBOR item";
    };
  }

  private static MalformedEnvelopeException asMalformed(Exception e, String where) {
    if (e instanceof MalformedEnvelopeException m) {
      return m;
    }
    if (e instanceof EOFException
        || (e.getMessage() != null && e.getMessage().contains("end-of-input"))) {
      return new MalformedEnvelopeException("the " + where + " is truncated", e);
    }
    return new MalformedEnvelopeException("the " + where + " is not valid CBOR of format v1", e);
  }

  private static String abbreviate(String s) {
    return s.length() > 16 ? "'" + s.substring(0, 16) + "...'" : "'" + s + "'";
  }

  private static MalformedEnvelopeException truncated() {
    return new MalformedEnvelopeException("the envelope is truncated: it ends inside its header");
  }

  public static int u16(byte[] b, int off) {
    return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
  }

  private static void putU16(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 8);
    b[off + 1] = (byte) v;
  }

  /** Checks a caller's context against the limits when sealing. */
  public static SortedMap<String, String> checkedContext(
      Map<String, String> context, EnvelopeLimits limits) {
    if (context == null) {
      throw new IllegalArgumentException("context must not be null; pass Map.of() for none");
    }
    if (context.size() > limits.maxContextEntries()) {
      throw new IllegalArgumentException(
          "context has "
              + context.size()
              + " entries; at most "
              + limits.maxContextEntries()
              + " allowed (EnvelopeLimits.maxContextEntries)");
    }
    SortedMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> e : context.entrySet()) {
      String k = e.getKey();
      String v = e.getValue();
      if (k == null || k.isEmpty() || v == null) {
        throw new IllegalArgumentException("context keys must be non-empty and values non-null");
      }
      if (!isWellFormed(k) || !isWellFormed(v)) {
        throw new IllegalArgumentException(
            "context keys and values must be well-formed Unicode (no unpaired surrogates)");
      }
      if (k.getBytes(StandardCharsets.UTF_8).length > limits.maxContextKeyBytes()) {
        throw new IllegalArgumentException(
            "context key '"
                + abbreviate(k)
                + "' exceeds "
                + limits.maxContextKeyBytes()
                + " bytes (EnvelopeLimits.maxContextKeyBytes)");
      }
      if (v.getBytes(StandardCharsets.UTF_8).length > limits.maxContextValueBytes()) {
        throw new IllegalArgumentException(
            "the value of context key "
                + abbreviate(k)
                + " exceeds "
                + limits.maxContextValueBytes()
                + " bytes (EnvelopeLimits.maxContextValueBytes)");
      }
      sorted.put(k, v);
    }
    return Collections.unmodifiableSortedMap(sorted);
  }

  /** True if {@code s} has no unpaired UTF-16 surrogate, so it has one exact UTF-8 form. */
  public static boolean isWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
