package dev.envelope.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A progress bar on stderr for a bulk command (me.tongfei progressbar), shown when asked for or, by
 * default, when the process has a terminal; otherwise it does nothing. Thread-safe.
 */
final class Progress implements AutoCloseable {
  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  /**
   * @param wanted {@code --progress} / {@code --no-progress}; null for "when on a terminal"
   */
  static Progress start(String task, long total, Boolean wanted, CommandSpec spec) {
    boolean show = wanted != null ? wanted : System.console() != null;
    if (!show || total == 0) {
      return new Progress(null);
    }
    return new Progress(
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(total)
            .setStyle(ProgressBarStyle.ASCII)
            .setUnit(" files", 1)
            .setUpdateIntervalMillis(200)
            .continuousUpdate()
            .build());
  }

  void step() {
    if (bar != null) {
      bar.step();
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
