#include "services/area/area_store.h"

#include <pqxx/pqxx>
#include <string>
#include <utility>

#include "src/db/session.h"

namespace misc::area {
namespace {

constexpr db::Statement kSelectPrefectures{
    "area.prefectures",
    "SELECT prefecture_id, name, name_en FROM prefectures ORDER BY prefecture_id"};

constexpr db::Statement kSelectAreas{
    "area.areas", "SELECT area_id, prefecture_id, name, name_en FROM areas ORDER BY area_id"};

}  // namespace

absl::StatusOr<AreaCatalog> AreaStore::Load(absl::Time deadline) {
  AreaCatalog catalog;
  absl::Status read = pool_.Read(deadline, [&](db::Session& session) -> absl::Status {
    catalog = AreaCatalog();  // The pool may retry the work on a fresh connection.
    const pqxx::result prefectures = session.Exec(kSelectPrefectures);
    const pqxx::result areas = session.Exec(kSelectAreas);
    catalog.prefectures.mutable_prefectures()->Reserve(static_cast<int>(prefectures.size()));
    catalog.areas_by_prefecture.reserve(prefectures.size());
    for (const pqxx::row& row : prefectures) {
      v1::Prefecture* prefecture = catalog.prefectures.add_prefectures();
      prefecture->set_prefecture_id(row[0].as<int64_t>());
      prefecture->set_name(row[1].as<std::string>());
      prefecture->set_name_en(row[2].as<std::string>());
      catalog.areas_by_prefecture.try_emplace(prefecture->prefecture_id());
    }
    catalog.areas_by_id.reserve(areas.size());
    for (const pqxx::row& row : areas) {
      v1::Area area;
      area.set_area_id(row[0].as<int64_t>());
      area.set_prefecture_id(row[1].as<int64_t>());
      area.set_name(row[2].as<std::string>());
      area.set_name_en(row[3].as<std::string>());
      // Rows come in area_id order, so each prefecture's list is in area_id order too.
      *catalog.areas_by_prefecture[area.prefecture_id()].add_areas() = area;
      catalog.areas_by_id.emplace(area.area_id(), std::move(area));
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  return catalog;
}

}  // namespace misc::area
