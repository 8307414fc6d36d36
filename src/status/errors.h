#ifndef MISC_SRC_STATUS_ERRORS_H_
#define MISC_SRC_STATUS_ERRORS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace misc::status {

// One bad request field: `field` is the proto field path as the caller wrote it (e.g.
// "restaurant_ids[3]"), `description` says what is wrong with it.
struct FieldViolation {
  std::string field;
  std::string description;
};

// Collects the bad fields of one request so a caller learns about all of them at once.
class FieldErrors {
 public:
  // Records that `field` is invalid because of `description`.
  void Add(absl::string_view field, absl::string_view description);

  // Returns OK when nothing was added, otherwise INVALID_ARGUMENT carrying a
  // google.rpc.BadRequest detail with every violation.
  [[nodiscard]] absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> violations_;
};

// Returns INVALID_ARGUMENT for one bad field, with a google.rpc.BadRequest detail.
[[nodiscard]] absl::Status InvalidField(absl::string_view field, absl::string_view description);

// Returns NOT_FOUND saying which `resource_type` named `resource_name` is missing, with a
// google.rpc.ResourceInfo detail.
[[nodiscard]] absl::Status NotFound(absl::string_view resource_type,
                                    absl::string_view resource_name);

// Returns the field violations carried by `status` (empty when it carries none). Tests and
// logs use this; handlers never need it.
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

}  // namespace misc::status

#endif  // MISC_SRC_STATUS_ERRORS_H_
