package dev.envelope.kms.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.InvalidPolicyException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** Parsing and matching of KMS key ARNs. */
class KmsKeyArnProperties {
  @Property(tries = 2000)
  void anyStringParsesOrIsATypedPolicyError(@ForAll @StringLength(max = 120) String tail) {
    try {
      KmsKeyArn arn = KmsKeyArn.parse("aws-kms://" + tail);
      assertThat("aws-kms://" + arn).isEqualTo("aws-kms://" + tail);
    } catch (InvalidPolicyException e) {
      assertThat(e.getMessage()).contains("full ARN");
    }
  }

  @Property(tries = 300)
  void multiRegionKeysMatchTheirReplicasAndNothingElse(
      @ForAll("regions") String a, @ForAll("regions") String b, @ForAll("hex") String id) {
    KmsKeyArn primary =
        KmsKeyArn.parse("aws-kms://arn:aws:kms:" + a + ":111122223333:key/mrk-" + id);
    assertThat(primary.matches("arn:aws:kms:" + b + ":111122223333:key/mrk-" + id)).isTrue();
    assertThat(primary.inRegion(b).region()).isEqualTo(b);
    assertThat(primary.matches("arn:aws:kms:" + b + ":444455556666:key/mrk-" + id)).isFalse();
    assertThat(primary.matches("arn:aws:kms:" + b + ":111122223333:key/mrk-0" + id)).isFalse();

    KmsKeyArn single = KmsKeyArn.parse("aws-kms://arn:aws:kms:" + a + ":111122223333:key/" + id);
    assertThat(single.inRegion(b)).isEqualTo(single);
    assertThat(single.matches("arn:aws:kms:" + b + ":111122223333:key/" + id))
        .isEqualTo(a.equals(b));
  }

  @Provide
  Arbitrary<String> regions() {
    return Arbitraries.of("us-east-1", "eu-west-2", "ap-southeast-2", "us-gov-west-1");
  }

  @Provide
  Arbitrary<String> hex() {
    return Arbitraries.strings().withChars("0123456789abcdef").ofLength(32);
  }

  @Test
  void aliasesAreRecognised() {
    KmsKeyArn alias =
        KmsKeyArn.parse("aws-kms://arn:aws:kms:eu-west-2:111122223333:alias/payments");
    assertThat(alias.isAlias()).isTrue();
    assertThat(alias.isMultiRegion()).isFalse();
    assertThat(alias.sameAccountAndRegion("arn:aws:kms:eu-west-2:111122223333:key/abc")).isTrue();
    assertThat(alias.sameAccountAndRegion("arn:aws:kms:eu-west-1:111122223333:key/abc")).isFalse();
  }
}
