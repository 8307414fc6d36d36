#ifndef MISC_TEST_SUPPORT_FAULT_PROXY_H_
#define MISC_TEST_SUPPORT_FAULT_PROXY_H_

// A TCP proxy between a server under test and its PostgreSQL that a test switches, at any
// moment, between passing traffic and the network faults of the field: a blackhole, resets,
// refused connections and latency.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace misc::testing {

// What a FaultProxy does with the connections through it.
enum class FaultMode {
  // Forwards bytes both ways as they come.
  kPass,
  // Keeps every socket open and forwards nothing either way: it stops reading from both sides,
  // so bytes stay in the kernel's buffers. New connections are still accepted, and get nothing.
  kBlackhole,
  // Resets (RST) every open connection, both sides, and every connection accepted from now on.
  kReset,
  // Closes the listening socket, so connect() fails with ECONNREFUSED; open connections keep
  // passing. Leaving this mode listens on the same port again.
  kRefuse,
  // Like kPass, but each chunk read from either side is written on only `latency` later.
  kLatency,
};

// Returns "pass", "blackhole", "reset", "refuse" or "latency".
const char* FaultModeName(FaultMode mode);

// A proxy listening on 127.0.0.1 on a free port that forwards each accepted connection to
// 127.0.0.1:<upstream port>, on one event-loop thread of its own. A connection whose upstream
// cannot be reached (the database is stopped) is reset. Thread-safe.
class FaultProxy {
 public:
  // Starts a proxy in kPass mode in front of 127.0.0.1:`upstream_port`. Returns INTERNAL when
  // it cannot listen.
  static absl::StatusOr<std::unique_ptr<FaultProxy>> Start(int upstream_port);

  // Stops the event loop and closes every socket.
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Returns the port the proxy listens on (the same in every mode).
  int port() const { return port_; }

  // Switches to `mode` (with `latency` for kLatency; ignored otherwise) and returns once the
  // event loop applies it: open connections are already reset after kReset, and connect()
  // already fails after kRefuse. Returns INTERNAL when the proxy cannot listen on its port
  // again after kRefuse (it then keeps trying on each later switch).
  absl::Status SetMode(FaultMode mode, absl::Duration latency = absl::ZeroDuration());

  // Resets (RST) every open connection once, keeping the mode; returns once done.
  void ResetConnections();

  // Returns the mode set last.
  FaultMode mode() const;

  // Returns how many connections the proxy has accepted since it started.
  int64_t accepted() const { return accepted_.load(); }

  // Returns how many accepted connections are open now.
  int64_t open() const { return open_.load(); }

 private:
  FaultProxy(int listener, int port, int upstream_port, int wake_fd);

  // Asks the event loop to apply the current request and waits until it has.
  absl::Status Apply() ABSL_LOCKS_EXCLUDED(mu_);
  void Run();

  const int port_;
  const int upstream_port_;
  const int wake_fd_;
  int listener_;  // Owned by the event loop thread once started; -1 while refusing.
  std::atomic<int64_t> accepted_ = 0;
  std::atomic<int64_t> open_ = 0;

  mutable absl::Mutex mu_;
  FaultMode mode_ ABSL_GUARDED_BY(mu_) = FaultMode::kPass;
  absl::Duration latency_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  bool reset_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t requested_ ABSL_GUARDED_BY(mu_) = 0;  // Generation asked for by SetMode & co.
  int64_t applied_ ABSL_GUARDED_BY(mu_) = 0;    // Generation the loop has applied.
  absl::Status listen_status_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;
};

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_FAULT_PROXY_H_
