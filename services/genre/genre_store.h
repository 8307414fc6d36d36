#ifndef MISC_SERVICES_GENRE_GENRE_STORE_H_
#define MISC_SERVICES_GENRE_GENRE_STORE_H_

#include <grpcpp/support/slice.h>

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "misc/genre/v1/genre.pb.h"
#include "src/db/pool.h"

namespace misc::genre {

// Everything GenreService answers from: the genres table as one reload read it, with the
// answers prebuilt. Immutable once built, so readers share it freely.
struct GenreCatalog {
  // Every genre, parents before children: by depth in the tree, then by genre_id.
  v1::ListGenresResponse genres;
  // `genres` serialized once per load: ListGenres sends these bytes as they are (a
  // reference-counted slice, shared by every call) instead of copying and serializing the
  // whole tree on each call, which was most of its CPU (docs/benchmarks.md).
  grpc::Slice genres_wire;
  // Every genre, keyed by genre_id.
  absl::flat_hash_map<int64_t, v1::Genre> genres_by_id;
};

// Reads the genres table from PostgreSQL.
class GenreStore {
 public:
  explicit GenreStore(db::Pool& pool) : pool_(pool) {}

  // Reads the whole table in one read transaction bounded by `deadline` and returns the
  // catalog built from it. Returns the pool's statuses (UNAVAILABLE, DEADLINE_EXCEEDED,
  // INTERNAL) on database errors, and FAILED_PRECONDITION when parent links form a cycle.
  absl::StatusOr<GenreCatalog> Load(absl::Time deadline);

 private:
  db::Pool& pool_;
};

}  // namespace misc::genre

#endif  // MISC_SERVICES_GENRE_GENRE_STORE_H_
