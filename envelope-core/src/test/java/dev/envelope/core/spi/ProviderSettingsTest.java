package dev.envelope.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.InvalidPolicyException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProviderSettingsTest {
  private final ProviderSettings settings =
      new ProviderSettings(
          "local.yaml",
          "hsm",
          Map.of(
              "wait",
              "PT2S",
              "badWait",
              "2s",
              "zero",
              "PT0S",
              "n",
              "8",
              "big",
              "99999999999",
              "flag",
              "false",
              "badFlag",
              "yes"));

  @Test
  void typedValuesFallBackWhenAbsentAndNameTheFieldWhenWrong() {
    Duration max = Duration.ofMinutes(1);
    assertThat(settings.duration("wait", Duration.ZERO, max)).isEqualTo(Duration.ofSeconds(2));
    assertThat(settings.duration("absent", Duration.ofSeconds(7), max)).hasSeconds(7);
    assertThatThrownBy(() -> settings.duration("badWait", Duration.ZERO, max))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("local.yaml")
        .hasMessageContaining("providers.hsm.badWait")
        .hasMessageContaining("ISO-8601");
    assertThatThrownBy(() -> settings.duration("zero", Duration.ZERO, max))
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> settings.duration("wait", Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("at most PT1S");

    assertThat(settings.integer("n", 1, 1, 10)).isEqualTo(8);
    assertThat(settings.integer("absent", 3, 1, 10)).isEqualTo(3);
    assertThatThrownBy(() -> settings.integer("n", 1, 1, 4)).hasMessageContaining("from 1 to 4");
    assertThatThrownBy(() -> settings.integer("big", 1, 1, 4))
        .hasMessageContaining("providers.hsm.big");

    assertThat(settings.bool("flag", true)).isFalse();
    assertThat(settings.bool("absent", true)).isTrue();
    assertThatThrownBy(() -> settings.bool("badFlag", true)).hasMessageContaining("true or false");
  }

  @Test
  void unknownKeysAreRejectedAndToStringShowsKeysOnly() {
    assertThatThrownBy(() -> settings.allowOnly(Set.of("wait")))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("unknown setting");
    assertThat(settings.toString()).contains("wait").doesNotContain("PT2S");
  }

  @Test
  void aDeprecatedNameReadsAsItsReplacementAndBothAtOnceAreRefused() {
    ProviderSettings old =
        new ProviderSettings(
            "local.yaml",
            "aws-kms",
            Map.of("kmsEndpoint", "https://kms.local", "region", "eu-west-1"));
    ProviderSettings renamed = old.renamed("kmsEndpoint", ProviderSettings.ENDPOINT);
    assertThat(renamed.get("endpoint")).contains("https://kms.local");
    assertThat(renamed.get("kmsEndpoint")).isEmpty();
    assertThat(renamed.get("region")).contains("eu-west-1");
    assertThat(old.renamed("absent", "other")).isSameAs(old);
    ProviderSettings both =
        new ProviderSettings("local.yaml", "aws-kms", Map.of("kmsEndpoint", "a", "endpoint", "b"));
    assertThatThrownBy(() -> both.renamed("kmsEndpoint", "endpoint"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("providers.aws-kms.kmsEndpoint")
        .hasMessageContaining("give only endpoint");
  }
}
