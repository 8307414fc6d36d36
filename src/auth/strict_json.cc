#include "src/auth/strict_json.h"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"

namespace misc::auth {
namespace {

using Json = nlohmann::json;

// nlohmann SAX handler that builds the document like nlohmann's own DOM parser, but stops at
// the first repeated member name or at a nesting level beyond kMaxJsonDepth.
// Its implicit noexcept constructor makes a null nlohmann::json, whose constructor has a throw
// that only a discarded value reaches: clang-tidy's false positive (nlohmann's NOLINTs it too).
// NOLINTNEXTLINE(bugprone-exception-escape)
class StrictDomBuilder {
 public:
  enum class Failure { kNone, kSyntax, kDuplicateMember, kTooDeep };

  bool null() { return Add(Json(nullptr)) != nullptr; }
  bool boolean(bool value) { return Add(Json(value)) != nullptr; }
  bool number_integer(Json::number_integer_t value) { return Add(Json(value)) != nullptr; }
  bool number_unsigned(Json::number_unsigned_t value) { return Add(Json(value)) != nullptr; }
  bool number_float(Json::number_float_t value, const Json::string_t& /*text*/) {
    return Add(Json(value)) != nullptr;
  }
  bool string(Json::string_t& value) { return Add(Json(std::move(value))) != nullptr; }
  bool binary(Json::binary_t& /*value*/) { return Fail(Failure::kSyntax); }

  bool start_object(std::size_t /*elements*/) { return Open(Json::object()); }
  bool key(Json::string_t& name) {
    if (stack_.back()->contains(name)) return Fail(Failure::kDuplicateMember);
    pending_key_ = std::move(name);
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t /*elements*/) { return Open(Json::array()); }
  bool end_array() { return Close(); }

  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*error*/) {
    // The message quotes the input; it is dropped on purpose.
    return Fail(Failure::kSyntax);
  }

  Failure failure() const { return failure_; }
  Json& root() { return root_; }

 private:
  // Places `value` in the innermost open container (or as the root) and returns where it went.
  Json* Add(Json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& parent = *stack_.back();
    if (parent.is_object()) {
      Json& slot = parent[pending_key_];
      slot = std::move(value);
      return &slot;
    }
    parent.push_back(std::move(value));
    return &parent.back();
  }

  bool Open(Json container) {
    if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) return Fail(Failure::kTooDeep);
    // A pointer to a container stays valid while it is open: its parent gets no new
    // elements until it is closed.
    stack_.push_back(Add(std::move(container)));
    return true;
  }

  bool Close() {
    stack_.pop_back();
    return true;
  }

  bool Fail(Failure failure) {
    if (failure_ == Failure::kNone) failure_ = failure;
    return false;
  }

  Json root_;
  std::vector<Json*> stack_;
  std::string pending_key_;
  Failure failure_ = Failure::kNone;
};

}  // namespace

absl::StatusOr<nlohmann::json> ParseStrictJson(absl::string_view text) {
  // nlohmann skips a UTF-8 byte order mark; JOSE objects never carry one.
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) return absl::InvalidArgumentError("invalid JSON");
  StrictDomBuilder builder;
  const bool ok = Json::sax_parse(text.begin(), text.end(), &builder);
  switch (builder.failure()) {
    case StrictDomBuilder::Failure::kNone:
      break;
    case StrictDomBuilder::Failure::kSyntax:
      return absl::InvalidArgumentError("invalid JSON");
    case StrictDomBuilder::Failure::kDuplicateMember:
      return absl::InvalidArgumentError("duplicate member name");
    case StrictDomBuilder::Failure::kTooDeep:
      return absl::InvalidArgumentError("JSON nested too deeply");
  }
  if (!ok) return absl::InvalidArgumentError("invalid JSON");
  return std::move(builder.root());
}

}  // namespace misc::auth
