#include "src/refresh/refresher.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "src/log/logging.h"

namespace misc::refresh {

Refresher::~Refresher() { Stop(); }

void Refresher::Add(std::string name, absl::Duration interval, Reload reload) {
  absl::MutexLock lock(&mu_);
  entries_.push_back(
      Entry{.name = std::move(name), .interval = interval, .reload = std::move(reload)});
}

absl::Status Refresher::RunOne(Entry& entry) {
  // Entries are never removed and only this thread (or Start, before it) runs reloads, so
  // the entry may be used without the lock while the reload runs.
  absl::Status status = entry.reload();
  absl::MutexLock lock(&mu_);
  entry.next_run = absl::Now() + entry.interval;
  if (status.ok()) {
    entry.last_success = absl::Now();
    if (entry.failing) spdlog::info("reload of {} recovered", entry.name);
    entry.failing = false;
  } else {
    // Keep serving the last good data; log once per failure streak at warn, then debug.
    if (!entry.failing) {
      spdlog::warn("reload of {} failed, serving the last good data: {}", entry.name,
                   status.ToString());
    } else {
      spdlog::debug("reload of {} still failing: {}", entry.name, status.ToString());
    }
    entry.failing = true;
  }
  return status;
}

absl::Status Refresher::Start() {
  absl::Status first_error;
  size_t count = 0;
  {
    absl::MutexLock lock(&mu_);
    count = entries_.size();
  }
  for (size_t i = 0; i < count; ++i) {
    Entry* entry = nullptr;
    {
      absl::MutexLock lock(&mu_);
      entry = &entries_[i];
    }
    absl::Status status = RunOne(*entry);
    if (first_error.ok() && !status.ok()) first_error = status;
  }
  thread_ = std::thread([this] { Loop(); });
  return first_error;
}

void Refresher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> Refresher::Names() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const Entry& entry : entries_) names.push_back(entry.name);
  return names;
}

bool Refresher::AllLoaded() const {
  absl::MutexLock lock(&mu_);
  for (const Entry& entry : entries_) {
    if (entry.last_success == absl::InfinitePast()) return false;
  }
  return true;
}

absl::Time Refresher::LastSuccess(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  for (const Entry& entry : entries_) {
    if (entry.name == name) return entry.last_success;
  }
  return absl::InfinitePast();
}

void Refresher::Loop() {
  while (true) {
    Entry* due = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (entries_.empty()) {
        mu_.Await(absl::Condition(&stopping_));
        return;
      }
      Entry* next = &entries_.front();
      for (Entry& entry : entries_) {
        if (entry.next_run < next->next_run) next = &entry;
      }
      // Sleep until the next reload is due, waking early only to stop.
      if (mu_.AwaitWithDeadline(absl::Condition(&stopping_), next->next_run)) return;
      due = next;
    }
    RunOne(*due).IgnoreError();
  }
}

}  // namespace misc::refresh
