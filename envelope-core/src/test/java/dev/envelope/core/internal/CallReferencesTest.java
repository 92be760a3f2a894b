package dev.envelope.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.spi.CallReference;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The per-thread slot behind {@link CallReference}: a reference lands only in the slot of the
 * thread that records it, never in another thread's call, and outside a call it is dropped.
 */
class CallReferencesTest {
  @Test
  void aReferenceRecordedOnAnotherThreadNeverReachesThisThreadsCall() throws Exception {
    String[] previous = CallReferences.open();
    AtomicReference<String> otherThreadsOwn = new AtomicReference<>();
    CountDownLatch recorded = new CountDownLatch(1);
    Thread other =
        new Thread(
            () -> {
              CallReference.record("other-thread-without-a-call"); // dropped: no slot there
              String[] mine = CallReferences.open();
              CallReference.record("other-thread-request");
              otherThreadsOwn.set(CallReferences.close(mine));
              recorded.countDown();
            });
    other.start();
    recorded.await();
    other.join();
    assertThat(otherThreadsOwn.get()).isEqualTo("other-thread-request");
    assertThat(CallReferences.close(previous)).as("this thread's call saw nothing").isNull();
  }

  @Test
  void nestedCallsKeepTheirOwnReferenceAndOutsideACallNothingIsKept() {
    CallReference.record("outside"); // no call in progress: ignored
    String[] outer = CallReferences.open();
    CallReference.record("outer-request");
    String[] inner = CallReferences.open();
    CallReference.record("inner-request");
    assertThat(CallReferences.close(inner)).isEqualTo("inner-request");
    assertThat(CallReferences.close(outer)).isEqualTo("outer-request");
    // The slot is gone: a later record outside a call is dropped, and a new call starts empty.
    CallReference.record("late");
    String[] next = CallReferences.open();
    assertThat(CallReferences.close(next)).isNull();
  }

  @Test
  void longReferencesAreCutAndBlankOnesIgnored() {
    String[] slot = CallReferences.open();
    CallReference.record("x".repeat(CallReference.MAX_CHARS + 50));
    assertThat(CallReferences.close(slot)).hasSize(CallReference.MAX_CHARS);
    slot = CallReferences.open();
    CallReference.record("  ");
    assertThat(CallReferences.close(slot)).isNull();
  }
}
