#ifndef MISC_SERVICES_AREA_AREA_STORE_H_
#define MISC_SERVICES_AREA_AREA_STORE_H_

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "misc/area/v1/area.pb.h"
#include "src/db/pool.h"

namespace misc::area {

// Everything AreaService answers from: the prefectures and areas tables as one reload read
// them, with the answers prebuilt. Immutable once built, so readers share it freely.
struct AreaCatalog {
  // Every prefecture, in JIS code order.
  v1::ListPrefecturesResponse prefectures;
  // The areas of every known prefecture in area_id order, keyed by prefecture_id; a
  // prefecture without areas maps to an empty list.
  absl::flat_hash_map<int64_t, v1::ListAreasResponse> areas_by_prefecture;
  // Every area, keyed by area_id.
  absl::flat_hash_map<int64_t, v1::Area> areas_by_id;
};

// Reads the prefectures and areas tables from PostgreSQL.
class AreaStore {
 public:
  explicit AreaStore(db::Pool& pool) : pool_(pool) {}

  // Reads both tables whole in one read transaction bounded by `deadline` and returns the
  // catalog built from them. Returns the pool's statuses (UNAVAILABLE, DEADLINE_EXCEEDED,
  // INTERNAL) on database errors.
  absl::StatusOr<AreaCatalog> Load(absl::Time deadline);

 private:
  db::Pool& pool_;
};

}  // namespace misc::area

#endif  // MISC_SERVICES_AREA_AREA_STORE_H_
