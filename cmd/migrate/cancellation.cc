#include "cmd/migrate/cancellation.h"

#include <signal.h>

#include <cstdlib>
#include <thread>

#include "spdlog/spdlog.h"

namespace misc::migrate {
namespace {

const char* SignalName(int signal_number) {
  return signal_number == SIGINT ? "SIGINT" : signal_number == SIGTERM ? "SIGTERM" : "a signal";
}

}  // namespace

void Cancellation::Cancel(int signal_number) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return;
  cancelled_ = true;
  signal_number_ = signal_number;
  // Under the lock, so the canceller cannot be removed (and its connection closed) meanwhile.
  if (canceller_) canceller_();
}

void Cancellation::Interrupt() {
  absl::MutexLock lock(&mu_);
  if (cancelled_ && canceller_) canceller_();
}

bool Cancellation::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

int Cancellation::signal_number() const {
  absl::MutexLock lock(&mu_);
  return signal_number_;
}

void Cancellation::SetCanceller(absl::AnyInvocable<void()> canceller) {
  absl::MutexLock lock(&mu_);
  canceller_ = std::move(canceller);
  if (cancelled_ && canceller_) canceller_();
}

bool Cancellation::SleepFor(absl::Duration duration) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&cancelled_), duration);
  return !cancelled_;
}

void WatchTerminationSignals(Cancellation* cancellation) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::thread([cancellation, signals] {
    bool first = true;
    while (true) {
      int signal_number = 0;
      if (first) {
        if (sigwait(&signals, &signal_number) != 0) continue;
      } else {
        const timespec one_second = {.tv_sec = 1, .tv_nsec = 0};
        signal_number = sigtimedwait(&signals, nullptr, &one_second);
        if (signal_number < 0) {  // Timed out (or interrupted): cancel again.
          cancellation->Interrupt();
          continue;
        }
      }
      if (!first) {
        spdlog::error("received {} again: exiting without cleanup", SignalName(signal_number));
        std::_Exit(128 + signal_number);
      }
      first = false;
      spdlog::warn("received {}: cancelling and rolling back (send it again to exit at once)",
                   SignalName(signal_number));
      cancellation->Cancel(signal_number);
    }
  }).detach();
}

}  // namespace misc::migrate
