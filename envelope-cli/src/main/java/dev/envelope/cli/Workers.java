package dev.envelope.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/** Runs a bulk command's per-file work on a fixed number of threads, stepping its progress bar. */
final class Workers {
  private Workers() {}

  /**
   * Calls {@code action} for every file, {@code jobs} at a time, and returns when all are done.
   * {@code action} handles its own failures; one it throws ends the run with it.
   */
  static void each(List<Path> files, int jobs, Progress bar, Consumer<Path> action)
      throws Exception {
    if (files.isEmpty()) {
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(jobs, files.size()));
    try {
      List<Future<?>> done = new ArrayList<>();
      for (Path file : files) {
        done.add(
            pool.submit(
                () -> {
                  action.accept(file);
                  bar.step();
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
