#ifndef MISC_SRC_REFRESH_KEPT_FRESH_H_
#define MISC_SRC_REFRESH_KEPT_FRESH_H_

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/refresh/refresher.h"
#include "src/refresh/snapshot.h"

namespace misc::refresh {

// Keeps a catalog of type T (e.g. a master table read whole) fresh in memory: registers on
// `refresher` a reload named `name`, every `interval`, that calls `load` and makes what it
// returns the current version of the returned snapshot, which the service reads from. The
// reload holds the snapshot and `load` themselves (never copies of the snapshot), so the
// running service sees every reload.
//
// `load` is called with the current version (nullptr before the first load) and returns
// absl::StatusOr<T>, or absl::StatusOr<std::shared_ptr<const T>> to keep the current version
// when nothing changed. On error the last good version stays. Returns INVALID_ARGUMENT naming
// `interval_flag` when `interval` is not positive.
template <typename T, typename Load>
absl::StatusOr<std::shared_ptr<Snapshot<T>>> KeepFresh(Refresher& refresher, std::string name,
                                                       absl::string_view interval_flag,
                                                       absl::Duration interval, Load load) {
  if (interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("--", interval_flag, " must be positive"));
  }
  auto snapshot = std::make_shared<Snapshot<T>>();
  Refresher::Reload reload = [snapshot, load = std::move(load)]() -> absl::Status {
    auto loaded = load(snapshot->Get());
    if (!loaded.ok()) return loaded.status();
    if constexpr (std::is_same_v<std::decay_t<decltype(*loaded)>, T>) {
      snapshot->Set(std::make_shared<const T>(*std::move(loaded)));
    } else {
      snapshot->Set(*std::move(loaded));
    }
    return absl::OkStatus();
  };
  refresher.Add(std::move(name), interval, std::move(reload));
  return snapshot;
}

}  // namespace misc::refresh

#endif  // MISC_SRC_REFRESH_KEPT_FRESH_H_
