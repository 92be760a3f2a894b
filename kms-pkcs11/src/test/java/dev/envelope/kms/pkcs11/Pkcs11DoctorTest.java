package dev.envelope.kms.pkcs11;

import static dev.envelope.kms.pkcs11.SoftHsm.PIN_A;
import static dev.envelope.kms.pkcs11.SoftHsm.TOKEN_A;
import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.Diagnosis;
import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.audit.Slf4jAuditSink;
import dev.envelope.core.spi.KekDescription;
import dev.envelope.core.spi.ProviderSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a PKCS#11 KEK on a real SoftHSM2 token says about itself, and what the doctor finds. */
class Pkcs11DoctorTest {
  private static final String KEK_A = "pkcs11://token=" + TOKEN_A + ";object=kek";
  private static SoftHsm hsm;

  @BeforeAll
  static void softHsm() {
    hsm = SoftHsm.get();
  }

  private static KekDescription describe(String uri, String pin) throws Exception {
    return new Pkcs11KekProvider()
        .describe(uri, new ProviderSettings("t", "pkcs11", hsm.settings(pin)));
  }

  @Test
  void theTokenTheUserAndTheKeyAreDescribedAfterALogin() throws Exception {
    KekDescription d = describe(KEK_A, PIN_A);
    long slot = hsm.slot(TOKEN_A);
    assertThat(d.identity())
        .isEqualTo("PKCS#11 token '" + TOKEN_A + "' (slot " + slot + ") as CKU_USER");
    assertThat(d.identityConfirmed()).isTrue();
    assertThat(d.identitySource())
        .startsWith("PKCS#11 module " + SoftHsm.LIBRARY + ", user PIN from pinFile ");
    assertThat(d.keyState()).isEqualTo(KekDescription.KeyState.ENABLED);
    assertThat(d.keySpec()).isEqualTo("AES-256");
    assertThat(d.details())
        .containsEntry("slot", Long.toString(slot))
        .containsEntry("manufacturer", "SoftHSM project")
        .containsEntry("extractable", "false")
        .containsEntry("sensitive", "true")
        .containsKey("serial");
    assertThat(d.problems()).isEmpty();
    assertThat(d.toString()).doesNotContain(PIN_A);
  }

  @Test
  void aWrongPinOrAMissingKeyIsAProblemAndThePinNeverShows() throws Exception {
    KekDescription wrongPin = describe(KEK_A, "not-the-pin-9999");
    assertThat(wrongPin.identityConfirmed()).isFalse();
    assertThat(wrongPin.problems()).singleElement().asString().contains("CKR_PIN_INCORRECT");
    assertThat(wrongPin.toString()).doesNotContain("not-the-pin-9999");
    KekDescription missing = describe("pkcs11://token=" + TOKEN_A + ";object=no-such-key", PIN_A);
    assertThat(missing.keyState()).isEqualTo(KekDescription.KeyState.UNKNOWN);
    assertThat(missing.problems()).singleElement().asString().contains("no-such-key");
  }

  @Test
  void theDoctorProbesTheTokenAndAuditEventsNameTheTokenNotThePin() throws Exception {
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    try (Envelope e =
        Envelope.builder()
            .policy(KeyPolicy.builder().key("payments", List.of(KEK_A), List.of()).build())
            .localConfig(LocalConfig.builder().provider("pkcs11", hsm.settings(PIN_A)).build())
            .provider(new Pkcs11KekProvider())
            .audit(events::add)
            .build()) {
      Diagnosis d = e.diagnose(null, Duration.ofSeconds(20));
      assertThat(d.verdict()).isEqualTo(Diagnosis.Verdict.HEALTHY);
      Diagnosis.KekHealth h = d.kek(KEK_A).orElseThrow();
      assertThat(h.check().canWrap()).isTrue();
      assertThat(h.check().canUnwrap()).isTrue();
      assertThat(h.wrapLatency()).isPositive();
      e.decrypt(e.encrypt("payments", new byte[8], Map.of()), Map.of());
    }
    List<AuditEvent.KekCall> calls =
        events.stream()
            .filter(AuditEvent.KekCall.class::isInstance)
            .map(AuditEvent.KekCall.class::cast)
            .toList();
    assertThat(calls).hasSizeGreaterThanOrEqualTo(3);
    assertThat(calls)
        .allSatisfy(c -> assertThat(c.identity()).startsWith("PKCS#11 token '" + TOKEN_A + "'"));
    for (AuditEvent event : events) {
      assertThat(Slf4jAuditSink.json(event.fields())).doesNotContain(PIN_A);
    }
  }
}
