#ifndef MISC_SRC_CACHE_KEYED_CACHE_H_
#define MISC_SRC_CACHE_KEYED_CACHE_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace misc::cache {

// Settings of every read-through cache (--cache_max_entries, --cache_ttl).
struct CacheOptions {
  // The most entries one cache holds; 0 turns caching off (every read goes to the database).
  int64_t max_entries = 100000;
  // The most memory one cache's entries take (a protobuf value counts its SpaceUsedLong):
  // entries differ in size (a restaurant, a page of twenty reviews), and a pod's memory limit
  // is in bytes. 0: bounded by max_entries alone.
  int64_t max_bytes = int64_t{64} << 20;
  // The oldest an entry may be when served, whatever the change feed says: the staleness cap
  // if a change notification were ever lost.
  absl::Duration ttl = absl::Seconds(60);
  // How far behind the change notifications the database that loads read may be: with read
  // replicas, db::StaleReadBound; 0 when loads read the primary. A load that starts this soon
  // after its key changed may read the row from before the change, so what it stores is kept
  // only until this long after the change, then loaded again.
  absl::Duration source_lag = absl::ZeroDuration();
};

// What a cache did, for metrics (misc_cache_*_total). Monotonic counters.
struct CacheStats {
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};         // Reads that went to the loader (coalesced ones too).
  std::atomic<uint64_t> coalesced{0};      // Misses that waited for another call's load.
  std::atomic<uint64_t> evictions{0};      // Entries dropped to stay within max_entries.
  std::atomic<uint64_t> invalidations{0};  // Entries dropped because their row changed.
  std::atomic<uint64_t> bypassed{0};       // Reads while disabled (change feed down).
  std::atomic<int64_t> entries{0};
  std::atomic<int64_t> bytes{0};  // What the entries take (CacheOptions::max_bytes).
};

// A bounded read-through cache of immutable values by int64 key, kept exact by the database's
// change notifications: Invalidate(key) when a row changes, SetEnabled(false) while the
// notifications may be missed (then every read bypasses it and nothing is kept).
//
// Misses are single-flight: concurrent reads of one key wait for one load. A load that a
// change (Invalidate, Clear, SetEnabled) overtook still answers its callers (it read a state
// that was current when it started) but is not kept, so a change notification can never be
// undone by a read that started before it. Neither by a read from a lagging replica that
// started after it: an entry stored less than `source_lag` after its key's last change expires
// when that time is up. Entries older than the TTL are misses. When full (max_entries, or
// max_bytes), the least recently read entries make room; a value larger than max_bytes is
// answered but never kept. Thread-safe.
template <typename V>
class KeyedCache {
 public:
  using Value = std::shared_ptr<const V>;
  using Loader = std::function<absl::StatusOr<V>()>;

  explicit KeyedCache(CacheOptions options) : options_(options) {}
  KeyedCache(const KeyedCache&) = delete;
  KeyedCache& operator=(const KeyedCache&) = delete;

  // Returns the value of `key`: from memory when cached and fresh, else from `load` (which
  // runs on this thread; errors are returned and never cached). A read that waits for another
  // call's load gives up at `deadline` with DEADLINE_EXCEEDED.
  absl::StatusOr<Value> GetOrLoad(int64_t key, const Loader& load, absl::Time deadline) {
    if (!enabled_.load(std::memory_order_acquire) || options_.max_entries <= 0) {
      stats_->bypassed.fetch_add(1, std::memory_order_relaxed);
      return Wrap(load());
    }
    std::shared_ptr<Flight> flight;
    bool leader = false;
    {
      absl::MutexLock lock(&mu_);
      if (auto it = entries_.find(key); it != entries_.end()) {
        if (absl::Now() < it->second.expires) {
          stats_->hits.fetch_add(1, std::memory_order_relaxed);
          TouchLocked(it->second);
          return it->second.value;
        }
        EraseLocked(it);
      }
      stats_->misses.fetch_add(1, std::memory_order_relaxed);
      auto [it, inserted] = flights_.try_emplace(key, nullptr);
      if (inserted) {
        it->second = std::make_shared<Flight>();
        leader = true;
      }
      flight = it->second;
    }
    if (!leader) {
      stats_->coalesced.fetch_add(1, std::memory_order_relaxed);
      if (!flight->done.WaitForNotificationWithDeadline(deadline)) {
        return absl::DeadlineExceededError("deadline exceeded");
      }
      // The leader's failure (its own deadline, say) is not this call's: load for itself.
      if (flight->result.ok()) return flight->result;
      return Wrap(load());
    }
    flight->result = Wrap(load());
    {
      absl::MutexLock lock(&mu_);
      flights_.erase(key);
      if (flight->result.ok() && !flight->overtaken && enabled_.load(std::memory_order_relaxed)) {
        StoreLocked(key, *flight->result);
      }
    }
    flight->done.Notify();
    return flight->result;
  }

  // Returns the cached value of `key` when there is a fresh one, without loading: for a
  // handler to answer from memory on its own thread before handing a miss to GetOrLoad.
  Value Peek(int64_t key) {
    if (!enabled_.load(std::memory_order_acquire)) return nullptr;
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || absl::Now() >= it->second.expires) return nullptr;
    stats_->hits.fetch_add(1, std::memory_order_relaxed);
    TouchLocked(it->second);
    return it->second.value;
  }

  // Returns a stamp to take before reading values from the database for StoreIfUnchanged.
  uint64_t Generation() {
    absl::MutexLock lock(&mu_);
    return generation_;
  }

  // Keeps `value` for `key`, read by a load that began at `generation`, unless anything was
  // invalidated since (then the value may predate a change and is not kept): how a batch read
  // fills the cache.
  void StoreIfUnchanged(uint64_t generation, int64_t key, V value) {
    if (!enabled_.load(std::memory_order_acquire) || options_.max_entries <= 0) return;
    absl::MutexLock lock(&mu_);
    if (generation_ != generation || !enabled_.load(std::memory_order_relaxed)) return;
    StoreLocked(key, std::make_shared<const V>(std::move(value)));
  }

  // Drops `key` (its row changed); a load of it in flight is not kept.
  void Invalidate(int64_t key) {
    absl::MutexLock lock(&mu_);
    ++generation_;
    if (auto it = flights_.find(key); it != flights_.end()) it->second->overtaken = true;
    if (auto it = entries_.find(key); it != entries_.end()) {
      EraseLocked(it);
      stats_->invalidations.fetch_add(1, std::memory_order_relaxed);
    }
    NoteChangeLocked(key);
  }

  // Drops everything (a table was truncated, or too many rows changed to name them).
  void Clear() {
    absl::MutexLock lock(&mu_);
    ClearLocked();
  }

  // Turns the cache on or off; either way it starts empty, since notifications may have been
  // missed while it was off (or will be, from now on).
  void SetEnabled(bool enabled) {
    absl::MutexLock lock(&mu_);
    enabled_.store(enabled, std::memory_order_release);
    ClearLocked();
  }

  // Shared so that metrics may outlive the cache.
  std::shared_ptr<const CacheStats> stats() const { return stats_; }

 private:
  // Keys from the most recently read (front) to the least (back). A list, so that an entry's
  // place survives the map moving entries around, and a read moves it to the front in O(1).
  using Recency = std::list<int64_t>;

  struct Entry {
    Value value;
    absl::Time expires;
    int64_t bytes = 0;          // SizeOf(*value), counted in bytes_.
    Recency::iterator recency;  // This key's place in recency_.
  };
  struct Flight {
    absl::Notification done;
    absl::StatusOr<Value> result;  // Written by the leader before `done`.
    bool overtaken = false;        // Guarded by the cache's mu_.
  };
  using Map = absl::flat_hash_map<int64_t, Entry>;

  static absl::StatusOr<Value> Wrap(absl::StatusOr<V> loaded) {
    if (!loaded.ok()) return loaded.status();
    return std::make_shared<const V>(*std::move(loaded));
  }

  // What `value` takes in memory: a protobuf message's SpaceUsedLong (its own heap included),
  // a string's capacity, else its size; plus the entry's own bookkeeping.
  static int64_t SizeOf(const V& value) {
    // The map's slot, and the recency list's node (two pointers and the key).
    int64_t bytes = sizeof(Entry) + sizeof(int64_t) + 2 * sizeof(void*) + sizeof(int64_t);
    if constexpr (requires { value.SpaceUsedLong(); }) {
      bytes += static_cast<int64_t>(value.SpaceUsedLong());
    } else if constexpr (requires { value.capacity(); }) {  // A string, in tests.
      bytes += static_cast<int64_t>(sizeof(V) + value.capacity());
    } else {
      bytes += static_cast<int64_t>(sizeof(V));
    }
    return bytes;
  }

  void StoreLocked(int64_t key, Value value) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int64_t bytes = SizeOf(*value);
    if (options_.max_bytes > 0 && bytes > options_.max_bytes) return;  // Never fits.
    if (auto it = entries_.find(key); it != entries_.end()) EraseLocked(it);
    // Room by count and by size: the least recently read entries go. (Evicting whichever
    // entry the map iterated first kept evicting the same hot keys: in the benchmark, the
    // review cache's hit ratio fell from 73 % while it filled to 58 % once full.)
    while (!entries_.empty() && (static_cast<int64_t>(entries_.size()) >= options_.max_entries ||
                                 (options_.max_bytes > 0 && bytes_ + bytes > options_.max_bytes))) {
      EraseLocked(entries_.find(recency_.back()));
      stats_->evictions.fetch_add(1, std::memory_order_relaxed);
    }
    const absl::Time now = absl::Now();
    absl::Time expires = now + options_.ttl;
    if (options_.source_lag > absl::ZeroDuration()) {
      // Loaded soon after a change: it may come from a replica that had not replayed it yet.
      absl::Time changed = cleared_;
      if (auto it = changed_.find(key); it != changed_.end())
        changed = std::max(changed, it->second);
      if (changed + options_.source_lag > now)
        expires = std::min(expires, changed + options_.source_lag);
    }
    recency_.push_front(key);
    entries_.insert_or_assign(key, Entry{std::move(value), expires, bytes, recency_.begin()});
    bytes_ += bytes;
    PublishSizeLocked();
  }

  // Moves `entry` to the front of recency_: it was just read.
  void TouchLocked(Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    recency_.splice(recency_.begin(), recency_, entry.recency);
  }

  void EraseLocked(typename Map::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    recency_.erase(it->second.recency);
    bytes_ -= it->second.bytes;
    entries_.erase(it);
    PublishSizeLocked();
  }

  void PublishSizeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    stats_->entries.store(static_cast<int64_t>(entries_.size()), std::memory_order_relaxed);
    stats_->bytes.store(bytes_, std::memory_order_relaxed);
  }

  // Remembers when `key` changed, for as long as it matters (source_lag); bounded: past
  // max_entries remembered keys it counts as a change of every key.
  void NoteChangeLocked(int64_t key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (options_.source_lag <= absl::ZeroDuration()) return;
    const absl::Time now = absl::Now();
    if (static_cast<int64_t>(changed_.size()) >= std::max<int64_t>(options_.max_entries, 1)) {
      absl::erase_if(
          changed_, [&](const auto& change) { return change.second + options_.source_lag <= now; });
    }
    if (static_cast<int64_t>(changed_.size()) >= std::max<int64_t>(options_.max_entries, 1)) {
      changed_.clear();
      cleared_ = now;
      return;
    }
    changed_.insert_or_assign(key, now);
  }

  void ClearLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (options_.source_lag > absl::ZeroDuration()) {
      changed_.clear();
      cleared_ = absl::Now();
    }
    ++generation_;
    for (auto& [key, flight] : flights_) flight->overtaken = true;
    stats_->invalidations.fetch_add(entries_.size(), std::memory_order_relaxed);
    entries_.clear();
    recency_.clear();
    bytes_ = 0;
    PublishSizeLocked();
  }

  const CacheOptions options_;
  const std::shared_ptr<CacheStats> stats_ = std::make_shared<CacheStats>();
  // Off until the change feed reports that it listens.
  std::atomic<bool> enabled_{false};
  absl::Mutex mu_;
  Map entries_ ABSL_GUARDED_BY(mu_);
  Recency recency_ ABSL_GUARDED_BY(mu_);    // Every key of entries_, most recently read first.
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;  // Sum of the entries' Entry::bytes.
  // Bumped by every invalidation, so that StoreIfUnchanged can tell.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<int64_t, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
  // With a source_lag: when keys last changed, and when every key last did (Clear, and the
  // cache turned on or off: changes may have been missed meanwhile).
  absl::flat_hash_map<int64_t, absl::Time> changed_ ABSL_GUARDED_BY(mu_);
  absl::Time cleared_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace misc::cache

#endif  // MISC_SRC_CACHE_KEYED_CACHE_H_
