package dev.envelope.kms.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.InvalidPolicyException;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** Parsing {@code pkcs11://} URIs (RFC 7512 path attributes): typed errors or exact values. */
class Pkcs11UriProperties {
  @Property(tries = 2000)
  void anyInputParsesOrIsATypedPolicyError(@ForAll @StringLength(max = 80) String path) {
    try {
      Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11://" + path);
      assertThat(
              uri.tokenLabel().isPresent()
                  || uri.tokenSerial().isPresent()
                  || uri.slotId().isPresent())
          .isTrue();
      assertThat(uri.objectLabel().isPresent() || uri.objectId().isPresent()).isTrue();
    } catch (InvalidPolicyException e) {
      assertThat(e.getMessage()).contains("pkcs11://");
    }
  }

  @Property(tries = 500)
  void percentEncodedLabelsDecodeToTheirText(
      @ForAll("labels") String token, @ForAll("labels") String object) {
    Pkcs11Uri uri =
        Pkcs11Uri.parse(
            "pkcs11://token=" + encode(token) + ";object=" + encode(object) + ";type=secret-key");
    assertThat(uri.tokenLabel()).contains(token);
    assertThat(uri.objectLabel()).contains(object);
  }

  @Provide
  Arbitrary<String> labels() {
    return Arbitraries.strings()
        .ofMinLength(1)
        .ofMaxLength(10)
        .withCharRange(' ', '~')
        .withChars('é', 'ß', '€')
        .filter(s -> s.getBytes(StandardCharsets.UTF_8).length <= 32);
  }

  @Test
  void namedMistakesAreExplained() {
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11://token=a;object=b?pin-value=1234"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("PIN comes from the local");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11://object=b"))
        .hasMessageContaining("name the token");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11://token=a"))
        .hasMessageContaining("name the key");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11://token=a;token=b;object=c"))
        .hasMessageContaining("appears twice");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11://token=a;object=c;type=private"))
        .hasMessageContaining("secret-key");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11://token=a;object=c;model=x"))
        .hasMessageContaining("unsupported attribute 'model'");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11://token=a;id=%0"))
        .hasMessageContaining("two hex digits");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11://slot-id=-1;object=c"))
        .hasMessageContaining("decimal");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11://token=%ff;object=c"))
        .hasMessageContaining("UTF-8");
    assertThat(Pkcs11Uri.parse("pkcs11://serial=c1aca06de7f406b2;id=%01%a2").objectId())
        .hasValueSatisfying(id -> assertThat(id).containsExactly(0x01, 0xa2));
  }

  private static String encode(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      boolean plain = c > 0x20 && c < 0x7f && c != ';' && c != '%' && c != '?' && c != '#';
      out.append(plain ? String.valueOf((char) c) : String.format("%%%02X", c));
    }
    return out.toString();
  }
}
