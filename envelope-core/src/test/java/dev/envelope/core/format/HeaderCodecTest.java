package dev.envelope.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.BodyAlgorithm;
import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.MalformedEnvelopeException;
import dev.envelope.core.format.EnvelopeHeader.Recipient;
import java.io.ByteArrayInputStream;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The header codec of format v1 (FORMAT.md §1–§3) on hand-made bytes. */
class HeaderCodecTest {
  private static final EnvelopeLimits LIMITS = EnvelopeLimits.DEFAULTS;

  /** {1: 1, 2: "k"}: a Cobblestone-256 header for logical key "k". */
  private static final String PROTECTED = "a2010102616b";

  /** [[h'0000000000000000', 1, h'00']]: one recipient. */
  private static final String RECIPIENTS = "818348000000000000000001" + "4100";

  /** magic, version, P, protected, R, recipients. */
  private static byte[] header(String protectedHex, String recipientsHex) {
    int p = protectedHex.length() / 2;
    int r = recipientsHex.length() / 2;
    return HexFormat.of()
        .parseHex(
            "454e5601" + "%04x".formatted(p) + protectedHex + "%04x".formatted(r) + recipientsHex);
  }

  @Test
  void encodesDeterministicallyAndParsesWhatItEncodes() {
    TreeMap<String, String> context = new TreeMap<>(Map.of("tenant", "acme", "purpose", "x"));
    byte[] authenticated =
        HeaderCodec.encodeAuthenticated(BodyAlgorithm.A256GCM, "payments", context, new byte[32]);
    byte[] recipients =
        HeaderCodec.encodeRecipients(
            List.of(
                new Recipient(new byte[8], 1, new byte[40]),
                new Recipient(new byte[8], 2, new byte[65])));
    byte[] bytes = new byte[authenticated.length + recipients.length];
    System.arraycopy(authenticated, 0, bytes, 0, authenticated.length);
    System.arraycopy(recipients, 0, bytes, authenticated.length, recipients.length);

    EnvelopeHeader header = HeaderCodec.parse(bytes, LIMITS);
    assertThat(header.algorithm).isEqualTo(BodyAlgorithm.A256GCM);
    assertThat(header.logicalKeyId).isEqualTo("payments");
    assertThat(header.context).isEqualTo(context);
    assertThat(header.recipients).hasSize(2);
    assertThat(header.length).isEqualTo(bytes.length);
    assertThat(header.authenticated).isEqualTo(authenticated);
    assertThat(HeaderCodec.encode(header)).isEqualTo(bytes);
    // "tenant" sorts before "purpose": shorter UTF-8 first (FORMAT.md §2.2).
    assertThat(HexFormat.of().formatHex(authenticated))
        .contains(
            HexFormat.of()
                .formatHex("ftenant".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .substring(2));
  }

  @Test
  void aStreamAndAnArrayGiveTheSameHeaderAndTheStreamStopsAtTheBody() throws Exception {
    byte[] bytes = header(PROTECTED, RECIPIENTS);
    byte[] withBody = java.util.Arrays.copyOf(bytes, bytes.length + 3);
    ByteArrayInputStream in = new ByteArrayInputStream(withBody);
    EnvelopeHeader streamed = HeaderCodec.read(in, LIMITS);
    assertThat(in.available()).isEqualTo(3);
    assertThat(HeaderCodec.headerLength(withBody, LIMITS)).isEqualTo(bytes.length);
    assertThat(HeaderCodec.encode(streamed)).isEqualTo(bytes);
    assertThat(HeaderCodec.encode(HeaderCodec.parse(withBody, LIMITS))).isEqualTo(bytes);
  }

  @Test
  void lengthFieldsAreCheckedInTheOrderTheFormatSays() {
    assertMalformed("414243", "not an envelope");
    assertMalformed("454e5602", "version 2 is not supported");
    assertMalformed("454e56010000", "protected header claims 0 bytes");
    assertMalformed("454e5601ffff", "protected header claims 65535 bytes");
    assertMalformed("454e56010006a2010102616b", "truncated");
    assertMalformed("454e56010006a2010102616b0000", "recipient list claims 0 bytes");
    assertMalformed("454e56010006a2010102616b000e8183", "truncated");
  }

  @Test
  void onlyTheDeterministicEncodingIsAccepted() {
    // 1 as a one-byte integer (0x18 0x01) instead of 0x01
    assertThat(parses("a2" + "01" + "1801" + "02616b", RECIPIENTS)).isFalse();
    // keys out of order: 2 before 1
    assertThat(parses("a2" + "02616b" + "0101", RECIPIENTS)).isFalse();
    // an indefinite-length text string
    assertMalformedHeader("a2" + "0101" + "02" + "7f616bff", RECIPIENTS, "indefinite");
    // a tag before the key id
    assertMalformedHeader("a2" + "0101" + "02" + "c0616b", RECIPIENTS, "tag");
    // a float as the algorithm
    assertMalformedHeader("a2" + "01" + "f93c00" + "02616b", RECIPIENTS, "float");
    // nesting deeper than the format's two levels (a map inside a context value)
    assertMalformedHeader("a3" + "0101" + "02616b" + "03a16174a0", RECIPIENTS, "nests deeper");
    // the header is exactly the protected map: nothing after it
    assertMalformedHeader(PROTECTED + "00", RECIPIENTS, "extra bytes");
    assertThat(parses(PROTECTED, RECIPIENTS)).isTrue();
  }

  @Test
  void theKeyIdFollowsThePolicysRule() {
    for (String ok : List.of("k", "payments", "eu/payments:v2", "a.b_c-d", "9".repeat(128))) {
      assertThat(parses(protectedWithKeyId(ok), RECIPIENTS)).as(ok).isTrue();
    }
    for (String bad : List.of("-k", ".k", "k k", "ké", "9".repeat(129))) {
      assertMalformedHeader(protectedWithKeyId(bad), RECIPIENTS, "key id");
    }
  }

  @Test
  void textThatIsNotUtf8IsMalformed() {
    // Jackson decodes some invalid sequences into unpaired surrogates (the codec refuses those)
    // and refuses others itself: malformed either way.
    assertMalformedHeader(
        "a2" + "0101" + "02" + "65" + "6bf5616263", RECIPIENTS, "not valid UTF-8");
    assertMalformedHeader("a2" + "0101" + "02" + "62" + "6bf5", RECIPIENTS, "");
    assertMalformedHeader("a2" + "0101" + "02" + "62" + "c0af", RECIPIENTS, "");
  }

  @Test
  void everyRecipientMustBeWellFormedWhetherOrNotThePolicyListsIt() {
    String good = "8348" + "0000000000000000" + "01" + "4100";
    String zeroAlg = "8348" + "1111111111111111" + "00" + "4100";
    String hugeAlg = "8348" + "1111111111111111" + "1b8000000000000000" + "4100";
    String shortRef = "8347" + "00000000000000" + "01" + "4100";
    assertThat(parses(PROTECTED, "82" + good + good)).isTrue();
    assertMalformedHeader(PROTECTED, "82" + good + zeroAlg, "not positive");
    assertMalformedHeader(PROTECTED, "82" + good + hugeAlg, "beyond 2^63-1");
    assertMalformedHeader(PROTECTED, "82" + good + shortRef, "7 bytes, expected 8");
    assertMalformedHeader(PROTECTED, "80", "no recipients");
  }

  private static String protectedWithKeyId(String id) {
    byte[] utf8 = id.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String head =
        utf8.length < 24 ? "%02x".formatted(0x60 + utf8.length) : "78%02x".formatted(utf8.length);
    return "a2" + "0101" + "02" + head + HexFormat.of().formatHex(utf8);
  }

  private static boolean parses(String protectedHex, String recipientsHex) {
    try {
      HeaderCodec.parse(header(protectedHex, recipientsHex), LIMITS);
      return true;
    } catch (MalformedEnvelopeException e) {
      return false;
    }
  }

  private static void assertMalformed(String hex, String message) {
    assertThatThrownBy(() -> HeaderCodec.parse(HexFormat.of().parseHex(hex), LIMITS))
        .isInstanceOf(MalformedEnvelopeException.class)
        .hasMessageContaining(message);
  }

  private static void assertMalformedHeader(
      String protectedHex, String recipientsHex, String message) {
    assertThatThrownBy(() -> HeaderCodec.parse(header(protectedHex, recipientsHex), LIMITS))
        .isInstanceOf(MalformedEnvelopeException.class)
        .hasMessageContaining(message);
  }
}
