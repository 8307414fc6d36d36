#include "services/genre/genre_store.h"

#include <algorithm>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/db/session.h"

namespace misc::genre {
namespace {

constexpr db::Statement kSelectGenres{
    "genre.genres",
    "SELECT genre_id, COALESCE(parent_genre_id, 0), name, name_en FROM genres ORDER BY genre_id"};

// Returns `genres` (in genre_id order) ordered by depth, then genre_id: a breadth-first walk
// from the top-level genres. Returns FAILED_PRECONDITION when some genre is not reachable
// from a top-level one, which means its parent links form a cycle.
absl::StatusOr<std::vector<v1::Genre>> ParentsFirst(std::vector<v1::Genre> genres) {
  absl::flat_hash_map<int64_t, std::vector<size_t>> children;
  std::vector<size_t> level;
  for (size_t i = 0; i < genres.size(); ++i) {
    if (genres[i].parent_genre_id() == 0) {
      level.push_back(i);
    } else {
      children[genres[i].parent_genre_id()].push_back(i);
    }
  }
  std::vector<v1::Genre> ordered;
  ordered.reserve(genres.size());
  while (!level.empty()) {
    std::vector<size_t> next;
    for (size_t i : level) {
      if (const auto found = children.find(genres[i].genre_id()); found != children.end()) {
        next.insert(next.end(), found->second.begin(), found->second.end());
      }
      ordered.push_back(std::move(genres[i]));
    }
    // Indexes follow genre_id order, so sorting them sorts the level by genre_id.
    std::sort(next.begin(), next.end());
    level = std::move(next);
  }
  if (ordered.size() != genres.size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("genres: ", genres.size() - ordered.size(),
                     " genres are not under any top-level genre (parent links form a cycle)"));
  }
  return ordered;
}

}  // namespace

absl::StatusOr<GenreCatalog> GenreStore::Load(absl::Time deadline) {
  std::vector<v1::Genre> genres;
  absl::Status read = pool_.Read(deadline, [&](db::Session& session) -> absl::Status {
    genres.clear();  // The pool may retry the work on a fresh connection.
    const pqxx::result rows = session.Exec(kSelectGenres);
    genres.reserve(rows.size());
    for (const pqxx::row& row : rows) {
      v1::Genre& genre = genres.emplace_back();
      genre.set_genre_id(row[0].as<int64_t>());
      genre.set_parent_genre_id(row[1].as<int64_t>());
      genre.set_name(row[2].as<std::string>());
      genre.set_name_en(row[3].as<std::string>());
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  absl::StatusOr<std::vector<v1::Genre>> ordered = ParentsFirst(std::move(genres));
  if (!ordered.ok()) return ordered.status();

  GenreCatalog catalog;
  catalog.genres.mutable_genres()->Reserve(static_cast<int>(ordered->size()));
  catalog.genres_by_id.reserve(ordered->size());
  for (v1::Genre& genre : *ordered) {
    catalog.genres_by_id.emplace(genre.genre_id(), genre);
    *catalog.genres.add_genres() = std::move(genre);
  }
  catalog.genres_wire = grpc::Slice(catalog.genres.SerializeAsString());
  return catalog;
}

}  // namespace misc::genre
