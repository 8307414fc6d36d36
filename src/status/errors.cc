#include "src/status/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/optional.h"
#include "google/rpc/error_details.pb.h"
#include "src/status/type_urls.h"

namespace misc::status {

void FieldErrors::Add(absl::string_view field, absl::string_view description) {
  violations_.push_back({std::string(field), std::string(description)});
}

absl::Status FieldErrors::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  google::rpc::BadRequest detail;
  std::vector<std::string> parts;
  for (const FieldViolation& v : violations_) {
    auto* violation = detail.add_field_violations();
    violation->set_field(v.field);
    violation->set_description(v.description);
    parts.push_back(absl::StrCat(v.field, ": ", v.description));
  }
  absl::Status status(absl::StatusCode::kInvalidArgument,
                      absl::StrCat("invalid request: ", absl::StrJoin(parts, "; ")));
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(detail.SerializeAsString()));
  return status;
}

absl::Status InvalidField(absl::string_view field, absl::string_view description) {
  FieldErrors errors;
  errors.Add(field, description);
  return errors.ToStatus();
}

absl::Status NotFound(absl::string_view resource_type, absl::string_view resource_name) {
  google::rpc::ResourceInfo detail;
  detail.set_resource_type(std::string(resource_type));
  detail.set_resource_name(std::string(resource_name));
  absl::Status status(absl::StatusCode::kNotFound,
                      absl::StrCat(resource_type, " ", resource_name, " not found"));
  status.SetPayload(kResourceInfoTypeUrl, absl::Cord(detail.SerializeAsString()));
  return status;
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  absl::optional<absl::Cord> payload = status.GetPayload(kBadRequestTypeUrl);
  google::rpc::BadRequest detail;
  if (!payload.has_value() || !detail.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : detail.field_violations()) out.push_back({v.field(), v.description()});
  return out;
}

}  // namespace misc::status
