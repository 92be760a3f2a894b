package dev.envelope.kms.pkcs11;

import dev.envelope.core.InvalidPolicyException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a {@code pkcs11://} KEK lives: the token and the key object, written as the path attributes
 * of a PKCS#11 URI (RFC 7512 §2.3) after {@code pkcs11://}, e.g. {@code
 * pkcs11://token=payments-hsm;object=payments-kek} or {@code pkcs11://slot-id=3;id=%01%02}.
 *
 * <p>Supported attributes: {@code token} (token label), {@code serial} (token serial number),
 * {@code slot-id} (decimal), {@code object} (key label), {@code id} (key {@code CKA_ID}, percent-
 * encoded bytes), {@code type} (only {@code secret-key}). At least one token attribute and one key
 * attribute are required; each may appear once. Query attributes ({@code ?pin-value=…}) are
 * refused: a PIN never belongs in the shared policy.
 */
record Pkcs11Uri(
    String uri,
    Optional<String> tokenLabel,
    Optional<String> tokenSerial,
    Optional<Long> slotId,
    Optional<String> objectLabel,
    Optional<byte[]> objectId) {
  static final String PREFIX = Pkcs11KekProvider.SCHEME + "://";
  private static final Set<String> ATTRIBUTES =
      Set.of("token", "serial", "slot-id", "object", "id", "type");

  /** CK_TOKEN_INFO.label is 32 bytes, blank-padded. */
  private static final int MAX_TOKEN_LABEL_BYTES = 32;

  static Pkcs11Uri parse(String uri) {
    if (uri == null || !uri.startsWith(PREFIX)) {
      throw invalid(String.valueOf(uri), "not a " + PREFIX + " URI");
    }
    String path = uri.substring(PREFIX.length());
    if (path.indexOf('?') >= 0 || path.indexOf('#') >= 0) {
      throw invalid(
          uri,
          "query and fragment attributes are not accepted: the PIN comes from the"
              + " local config (providers.pkcs11.pinFile or pinEnv), never from the policy");
    }
    Map<String, String> attributes = new HashMap<>();
    for (String part : path.split(";", -1)) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw invalid(uri, "expected attribute=value pairs separated by ';', got '" + part + "'");
      }
      String name = part.substring(0, eq);
      if (!ATTRIBUTES.contains(name)) {
        throw invalid(
            uri,
            "unsupported attribute '"
                + name
                + "'; supported: token, serial, slot-id,"
                + " object, id, type");
      }
      if (attributes.put(name, part.substring(eq + 1)) != null) {
        throw invalid(uri, "attribute '" + name + "' appears twice");
      }
    }
    String type = attributes.get("type");
    if (type != null && !type.equals("secret-key")) {
      throw invalid(uri, "type must be secret-key: a pkcs11 KEK is an AES key, got '" + type + "'");
    }
    Optional<String> token = Optional.ofNullable(attributes.get("token")).map(v -> text(uri, v));
    if (token.isPresent()
        && token.get().getBytes(StandardCharsets.UTF_8).length > MAX_TOKEN_LABEL_BYTES) {
      throw invalid(uri, "a token label has at most " + MAX_TOKEN_LABEL_BYTES + " bytes");
    }
    Optional<String> serial = Optional.ofNullable(attributes.get("serial")).map(v -> text(uri, v));
    Optional<Long> slot = Optional.ofNullable(attributes.get("slot-id")).map(v -> slotId(uri, v));
    Optional<String> object = Optional.ofNullable(attributes.get("object")).map(v -> text(uri, v));
    Optional<byte[]> id = Optional.ofNullable(attributes.get("id")).map(v -> bytes(uri, v));
    if (token.isEmpty() && serial.isEmpty() && slot.isEmpty()) {
      throw invalid(uri, "name the token: token=LABEL, serial=NUMBER or slot-id=N");
    }
    if (object.isEmpty() && id.isEmpty()) {
      throw invalid(uri, "name the key: object=LABEL or id=%XX%XX…");
    }
    if (object.map(String::isEmpty).orElse(false) || id.map(b -> b.length == 0).orElse(false)) {
      throw invalid(uri, "object and id must not be empty");
    }
    return new Pkcs11Uri(uri, token, serial, slot, object, id);
  }

  /** Object ids are compared as bytes; the record's generated equals would compare references. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Pkcs11Uri other && uri.equals(other.uri);
  }

  @Override
  public int hashCode() {
    return uri.hashCode();
  }

  @Override
  public String toString() {
    return uri;
  }

  /** How the token is named, for messages. */
  String describeToken() {
    StringBuilder s = new StringBuilder();
    tokenLabel.ifPresent(v -> s.append("label '").append(v).append("' "));
    tokenSerial.ifPresent(v -> s.append("serial '").append(v).append("' "));
    slotId.ifPresent(v -> s.append("slot ").append(v).append(' '));
    return s.toString().trim();
  }

  /** How the key is named, for messages. */
  String describeKey() {
    StringBuilder s = new StringBuilder();
    objectLabel.ifPresent(v -> s.append("label '").append(v).append("' "));
    objectId.ifPresent(v -> s.append("id ").append(HexFormat.of().formatHex(v)).append(' '));
    return s.toString().trim();
  }

  private static long slotId(String uri, String value) {
    if (!value.matches("[0-9]{1,19}")) {
      throw invalid(uri, "slot-id must be a decimal number, got '" + value + "'");
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw invalid(uri, "slot-id is out of range: " + value);
    }
  }

  private static String text(String uri, String value) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes(uri, value)))
          .toString();
    } catch (CharacterCodingException e) {
      throw invalid(uri, "a label must be UTF-8 once percent-decoded");
    }
  }

  /** RFC 3986 percent-decoding; the policy's URI syntax already limits it to printable ASCII. */
  private static byte[] bytes(String uri, String value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%') {
        if (i + 2 >= value.length()) {
          throw invalid(uri, "'%' must be followed by two hex digits");
        }
        int hi = Character.digit(value.charAt(i + 1), 16);
        int lo = Character.digit(value.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw invalid(uri, "'%' must be followed by two hex digits");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c < 0x21 || c > 0x7e) {
        throw invalid(uri, "characters outside printable ASCII must be percent-encoded");
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  private static InvalidPolicyException invalid(String uri, String problem) {
    return new InvalidPolicyException("key policy", "KEK " + uri, problem);
  }
}
