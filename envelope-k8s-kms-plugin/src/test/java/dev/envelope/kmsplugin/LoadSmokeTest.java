package dev.envelope.kmsplugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link KmsPluginLoad} at a small scale in every build, so the benchmark keeps working: every call
 * succeeds and the table is printed. No timing is asserted (this machine is noisy).
 */
class LoadSmokeTest {
  @Test
  void theLoadRunWorksWithBothKeks() throws Exception {
    KmsPluginLoad.Figures local = KmsPluginLoad.runLocal(20, 200, 400);
    KmsPluginLoad.Figures aws = KmsPluginLoad.runAws(20, 200, 400);
    assertThat(local.replay().calls()).isEqualTo(200);
    assertThat(aws.sixteen().calls()).isEqualTo(400);
    String table = KmsPluginLoad.table(List.of(local, aws));
    System.out.println(table);
    assertThat(table).contains("local:// (AES-KWP)").contains("aws-kms://");
  }
}
