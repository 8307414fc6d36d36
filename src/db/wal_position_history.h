#ifndef MISC_SRC_DB_WAL_POSITION_HISTORY_H_
#define MISC_SRC_DB_WAL_POSITION_HISTORY_H_

#include <cstdint>
#include <deque>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace misc::db {

// Where the primary's write-ahead log stood at moments measured by misc's own clock: how a
// replica's replay position becomes a lag in seconds without comparing two servers' clocks,
// and without mistaking an idle primary for a lagging replica.
//
// A sample (asked, lsn) says: the primary was asked for pg_current_wal_insert_lsn() at `asked`
// and answered `lsn`, so every transaction committed before `asked` (synchronously or not)
// ends at or below `lsn`. A
// replica whose pg_last_wal_replay_lsn() has reached `lsn` therefore shows everything
// committed before `asked`: its lag is at most `now - asked`. The lag of a replica is that
// bound for the newest such sample. Thread-safe.
// Returns `insert_lsn`, a pg_current_wal_insert_lsn(), as the end of the last record written:
// on a page where nothing is written yet the insert position lies past the page header (24
// bytes, 40 on a segment's first page), where no replay position can be, so it becomes the
// page's start. Assumes PostgreSQL's default 8 kB WAL pages.
uint64_t WalRecordEnd(uint64_t insert_lsn);

class WalPositionHistory {
 public:
  // Keeps samples for `keep`: a replica behind all of them lags by more than that.
  explicit WalPositionHistory(absl::Duration keep) : keep_(keep) {}

  // Records that the primary, asked at `asked`, answered `lsn`. A position lower than the
  // last one (a different primary) starts the history over.
  void Record(absl::Time asked, uint64_t lsn);

  // Returns the lag at `now` of a replica that has replayed up to `replayed`: `now` minus the
  // newest sample at or below `replayed`. Returns nullopt when there is no such sample (no
  // sample yet, or the replica is behind every sample kept).
  std::optional<absl::Duration> LagOf(uint64_t replayed, absl::Time now) const;

  // Returns when the newest sample was asked (InfinitePast when there is none).
  absl::Time Newest() const;

 private:
  struct Sample {
    absl::Time asked;
    uint64_t lsn;
  };

  const absl::Duration keep_;
  mutable absl::Mutex mu_;
  // Oldest first; strictly increasing positions (equal ones keep only the newest time).
  std::deque<Sample> samples_ ABSL_GUARDED_BY(mu_);
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_WAL_POSITION_HISTORY_H_
