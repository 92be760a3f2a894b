package dev.envelope.kms.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link HungKmsLatency} at a small scale: without circuit breaking every uncached decrypt calls
 * the hung KMS; with it, only the first three do and the rest go straight to the local KEK. Call
 * counts are asserted, timings only printed.
 */
class HungKmsLatencyTest {
  @Test
  void aHungKmsIsCalledThreeTimesThenSkipped() throws Exception {
    List<HungKmsLatency.Row> rows = HungKmsLatency.run(8, Duration.ofMillis(300));
    System.out.println(HungKmsLatency.table(rows, Duration.ofMillis(300)));
    assertThat(rows.get(0).kmsCalls()).isEqualTo(8);
    assertThat(rows.get(1).kmsCalls()).isEqualTo(3);
  }
}
