#include "src/log/buffered_stderr_sink.h"

#include <spdlog/details/console_globals.h>
#include <unistd.h>

#include <cerrno>

namespace misc::log {
namespace {

// Lines waiting beyond this are written at once, whatever the interval: a burst never holds
// more than this much memory, and a pipe takes it in one go (Linux pipes buffer 64 KiB).
constexpr size_t kWriteThresholdBytes = size_t{16} * 1024;

// Writes all of `data` to stderr, retrying partial writes and interrupted calls. A log has
// nowhere to report its own failure: a broken stderr drops the lines.
void WriteAll(std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(STDERR_FILENO, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    data.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace

BufferedStderrSink::BufferedStderrSink(absl::Duration flush_interval)
    : flush_interval_(flush_interval), flusher_([this] { FlushLoop(); }) {}

BufferedStderrSink::~BufferedStderrSink() {
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  flusher_.join();
  flush();
}

void BufferedStderrSink::sink_it_(const spdlog::details::log_msg& message) {
  // The message as it is, one per line: the access log's lines are finished JSON, and running
  // them through the pattern formatter copied each one once more for nothing.
  pending_.append(message.payload.data(), message.payload.size());
  pending_ += '\n';
  if (pending_.size() >= kWriteThresholdBytes) WritePending();
}

void BufferedStderrSink::flush_() { WritePending(); }

void BufferedStderrSink::WritePending() {
  if (pending_.empty()) return;
  {
    std::lock_guard<std::mutex> console(spdlog::details::console_mutex::mutex());
    WriteAll(pending_);
  }
  pending_.clear();
}

void BufferedStderrSink::FlushLoop() {
  absl::MutexLock lock(&stop_mu_);
  while (!stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), flush_interval_)) {
    stop_mu_.Unlock();
    flush();
    stop_mu_.Lock();
  }
}

}  // namespace misc::log
