#ifndef MISC_SRC_LOG_BUFFERED_STDERR_SINK_H_
#define MISC_SRC_LOG_BUFFERED_STDERR_SINK_H_

#include <spdlog/sinks/base_sink.h>

#include <mutex>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace misc::log {

// An spdlog sink that collects messages in memory, each as it is on a line of its own (the
// logger's pattern is not applied), and writes them to stderr together:
// when `flush_interval` has passed since the last write, when a few KiB are waiting, on
// flush() and when destroyed. One write(2) for many lines instead of one per line: the
// access log writes a line per call, and that syscall was a measurable share of a
// memory-served call (docs/benchmarks.md). A line is never split: every write holds the
// console mutex spdlog's own stderr and stdout sinks hold, so lines of other loggers land
// between lines, never inside one. What a crash loses: at most `flush_interval` of lines.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BufferedStderrSink(absl::Duration flush_interval);
  ~BufferedStderrSink() override;

  BufferedStderrSink(const BufferedStderrSink&) = delete;
  BufferedStderrSink& operator=(const BufferedStderrSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override;
  void flush_() override;

 private:
  // Writes and clears `pending_`. Called with base_sink's mutex held.
  void WritePending();
  // Flushes every flush_interval_ until stopping_.
  void FlushLoop();

  const absl::Duration flush_interval_;
  std::string pending_;
  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread flusher_;
};

}  // namespace misc::log

#endif  // MISC_SRC_LOG_BUFFERED_STDERR_SINK_H_
