#include "bench/loadgen/load_runner.h"

#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"

namespace misc::loadgen {
namespace {

// Counts the slots still running; the last one to stop wakes the waiting thread.
class StopLatch {
 public:
  explicit StopLatch(int slots) : running_(slots) {}

  void SlotStopped() {
    if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) all_stopped_.Notify();
  }

  void Wait() { all_stopped_.WaitForNotification(); }

 private:
  std::atomic<int> running_;
  absl::Notification all_stopped_;
};

// One closed loop: an operation, and when it finishes the next, until the window ends.
class Slot {
 public:
  Slot(const Workload* workload, GenericStub* stub, const CallSettings* settings,
       const Window* window, StopLatch* latch)
      : workload_(workload),
        window_(window),
        latch_(latch),
        caller_(stub, settings, window, &recorder_) {}

  // Starts the next operation, or stops the slot once the window has ended. Runs on the
  // thread that finished the previous operation (a gRPC thread, or the starting thread).
  void Next() {
    const Clock::time_point start = Clock::now();
    if (start >= window_->end) {
      latch_->SlotStopped();
      return;
    }
    workload_->Start(caller_, [this, start](bool failed) {
      const Clock::time_point end = Clock::now();
      if (window_->Contains(end)) {
        recorder_.RecordOperation(absl::FromChrono(end - start), failed);
      }
      Next();
    });
  }

  RunStats stats() const { return recorder_.Snapshot(); }

 private:
  const Workload* workload_;
  const Window* window_;
  StopLatch* latch_;
  StatsRecorder recorder_;
  Caller caller_;
};

}  // namespace

RunStats RunClosedLoop(const Workload& workload,
                       const std::vector<std::unique_ptr<GenericStub>>& stubs,
                       const CallSettings& settings, const LoadOptions& options) {
  const Clock::time_point now = Clock::now();
  const Window window = {.start = now + absl::ToChronoNanoseconds(options.warmup),
                         .end = now + absl::ToChronoNanoseconds(options.warmup + options.duration)};
  StopLatch latch(options.concurrency);
  std::vector<std::unique_ptr<Slot>> slots;
  slots.reserve(options.concurrency);
  for (int i = 0; i < options.concurrency; ++i) {
    slots.push_back(std::make_unique<Slot>(&workload, stubs[i % stubs.size()].get(), &settings,
                                           &window, &latch));
  }
  for (const auto& slot : slots) slot->Next();
  latch.Wait();

  RunStats total;
  for (const auto& slot : slots) total.Merge(slot->stats());
  return total;
}

}  // namespace misc::loadgen
