#ifndef MISC_SRC_REFRESH_SNAPSHOT_H_
#define MISC_SRC_REFRESH_SNAPSHOT_H_

#include <atomic>
#include <memory>
#include <utility>

namespace misc::refresh {

// The current version of a value that is replaced wholesale, such as a master table held in
// memory. Readers get an immutable version they may keep as long as they like; a writer
// swaps in a new one atomically, so readers never see a half-built value and never wait for
// a reload. Thread-safe.
template <typename T>
class Snapshot {
 public:
  // Returns the current version, or nullptr before the first Set.
  std::shared_ptr<const T> Get() const { return current_.load(std::memory_order_acquire); }

  // Makes `value` the current version.
  void Set(std::shared_ptr<const T> value) {
    current_.store(std::move(value), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const T>> current_;
};

}  // namespace misc::refresh

#endif  // MISC_SRC_REFRESH_SNAPSHOT_H_
