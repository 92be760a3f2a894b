package dev.envelope.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.KeyUnavailableException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheme → module table behind the "add this module" hint, for every scheme. */
class ProvidersTest {
  private static final Map<String, String> URIS =
      Map.of(
          "pkcs11", "pkcs11://token=t;object=k",
          "aws-kms",
              "aws-kms://arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
          "azure-kv", "azure-kv://vault.vault.azure.net/keys/k",
          "gcp-kms", "gcp-kms://projects/p/locations/l/keyRings/r/cryptoKeys/k",
          "hpke", "hpke://x25519/AAAA");

  @Test
  void everyExternalSchemeNamesItsModuleWhenItsProviderIsMissing() {
    assertThat(URIS.keySet())
        .containsExactlyInAnyOrderElementsOf(
            Providers.MODULES.entrySet().stream()
                .filter(e -> !e.getValue().equals("envelope-core"))
                .map(Map.Entry::getKey)
                .toList());
    for (Map.Entry<String, String> e : URIS.entrySet()) {
      KeyPolicy policy = KeyPolicy.builder().key("k", List.of(e.getValue()), List.of()).build();
      try (Envelope envelope = Envelope.builder().policy(policy).build()) {
        assertThatThrownBy(() -> envelope.encrypt("k", new byte[1], Map.of()))
            .as(e.getKey())
            .isInstanceOf(KeyUnavailableException.class)
            .hasMessageContaining("no KEK provider for scheme '" + e.getKey() + "'")
            .hasMessageContaining("add the module " + Providers.MODULES.get(e.getKey()));
      }
    }
    assertThat(Providers.moduleFor("hpke")).contains("envelope-kek-hpke");
    assertThat(Providers.moduleFor("local")).contains("envelope-core");
  }

  @Test
  void anUnknownSchemeSaysEnvelopeHasNoModuleForIt() {
    KeyPolicy policy = KeyPolicy.builder().key("k", List.of("vault://secret/k"), List.of()).build();
    try (Envelope envelope = Envelope.builder().policy(policy).build()) {
      assertThatThrownBy(() -> envelope.encrypt("k", new byte[1], Map.of()))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageContaining("Envelope has no module for it");
    }
  }
}
