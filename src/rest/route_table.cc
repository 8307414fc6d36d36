#include "src/rest/route_table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"

namespace misc::rest {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

// The "VERB /template" of `rule` alone (not its additional bindings).
absl::StatusOr<std::string> VerbAndPath(const google::api::HttpRule& rule,
                                        const MethodDescriptor& method) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      return absl::StrCat("GET ", rule.get());
    case google::api::HttpRule::kPost:
      return absl::StrCat("POST ", rule.post());
    case google::api::HttpRule::kPut:
      return absl::StrCat("PUT ", rule.put());
    case google::api::HttpRule::kPatch:
      return absl::StrCat("PATCH ", rule.patch());
    case google::api::HttpRule::kDelete:
      return absl::StrCat("DELETE ", rule.delete_());
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(method.full_name(), ": google.api.http has no GET/POST/PUT/PATCH/DELETE"));
  }
}

// The (verb and template, rule) pairs of `rule` and of its additional bindings, which may not
// have bindings of their own (google/api/http.proto).
absl::Status AddBindings(const google::api::HttpRule& rule, const MethodDescriptor& method,
                         std::vector<std::pair<std::string, google::api::HttpRule>>& out) {
  std::vector<const google::api::HttpRule*> rules = {&rule};
  for (const google::api::HttpRule& more : rule.additional_bindings()) {
    if (more.additional_bindings_size() > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(method.full_name(), ": additional_bindings may not nest"));
    }
    rules.push_back(&more);
  }
  for (const google::api::HttpRule* each : rules) {
    absl::StatusOr<std::string> verb_and_path = VerbAndPath(*each, method);
    if (!verb_and_path.ok()) return verb_and_path.status();
    out.emplace_back(*std::move(verb_and_path), *each);
  }
  return absl::OkStatus();
}

// The field `path` ("a.b") of `message`, or nullptr.
const FieldDescriptor* FindFieldPath(const Descriptor& message, absl::string_view path) {
  const Descriptor* current = &message;
  const FieldDescriptor* field = nullptr;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (current == nullptr) return nullptr;
    field = current->FindFieldByName(std::string(part));
    if (field == nullptr) return nullptr;
    current = field->message_type();
  }
  return field;
}

absl::StatusOr<Route> MakeRoute(const std::string& verb_and_path, const google::api::HttpRule& rule,
                                const MethodDescriptor& method) {
  auto invalid = [&method](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(method.full_name(), ": ", why));
  };
  const size_t space = verb_and_path.find(' ');
  absl::StatusOr<PathTemplate> path = PathTemplate::Parse(verb_and_path.substr(space + 1));
  if (!path.ok()) return invalid(path.status().message());
  const Descriptor& input = *method.input_type();
  for (const std::string& variable : path->variables()) {
    const FieldDescriptor* field = FindFieldPath(input, variable);
    if (field == nullptr) return invalid(absl::StrCat("path names unknown field ", variable));
    if (field->is_repeated() || field->message_type() != nullptr) {
      return invalid(absl::StrCat("path field ", variable, " is not a singular scalar"));
    }
  }
  if (!rule.body().empty() && rule.body() != "*") {
    const FieldDescriptor* field = input.FindFieldByName(rule.body());
    if (field == nullptr) return invalid(absl::StrCat("body names unknown field ", rule.body()));
  }
  if (!rule.response_body().empty()) return invalid("response_body is not supported");
  return Route{.http_method = verb_and_path.substr(0, space),
               .path = *std::move(path),
               .body = rule.body(),
               .method = &method,
               .grpc_method = absl::StrCat("/", method.service()->full_name(), "/", method.name())};
}

}  // namespace

absl::StatusOr<RouteTable> RouteTable::Build(const std::vector<std::string>& services,
                                             const google::protobuf::DescriptorPool& pool) {
  RouteTable table;
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service = pool.FindServiceByName(name);
    if (service == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("no descriptor for service ", name));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor& method = *service->method(i);
      if (method.client_streaming() || method.server_streaming()) {
        return absl::InvalidArgumentError(
            absl::StrCat(method.full_name(), ": streaming methods have no HTTP mapping"));
      }
      if (!method.options().HasExtension(google::api::http)) {
        return absl::InvalidArgumentError(
            absl::StrCat(method.full_name(), " has no google.api.http annotation"));
      }
      std::vector<std::pair<std::string, google::api::HttpRule>> bindings;
      if (absl::Status added =
              AddBindings(method.options().GetExtension(google::api::http), method, bindings);
          !added.ok()) {
        return added;
      }
      for (const auto& [verb_and_path, rule] : bindings) {
        absl::StatusOr<Route> route = MakeRoute(verb_and_path, rule, method);
        if (!route.ok()) return route.status();
        for (const Route& existing : table.routes_) {
          if (existing.http_method == route->http_method &&
              existing.path.text() == route->path.text()) {
            return absl::InvalidArgumentError(absl::StrCat(method.full_name(), ": ", verb_and_path,
                                                           " is already bound to ",
                                                           existing.method->full_name()));
          }
        }
        table.routes_.push_back(*std::move(route));
      }
    }
  }
  return table;
}

RouteMatch RouteTable::Find(absl::string_view http_method, absl::string_view path) const {
  RouteMatch match;
  for (const Route& route : routes_) {
    std::optional<std::vector<PathBinding>> bindings = route.path.Match(path);
    if (!bindings.has_value()) continue;
    if (route.http_method == http_method) {
      match.route = &route;
      match.bindings = *std::move(bindings);
      match.allowed_methods.clear();
      return match;
    }
    if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(), route.http_method) ==
        match.allowed_methods.end()) {
      match.allowed_methods.push_back(route.http_method);
    }
  }
  return match;
}

}  // namespace misc::rest
