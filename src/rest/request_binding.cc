#include "src/rest/request_binding.h"

#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <limits>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/status/errors.h"
#include "src/text/utf8.h"

namespace misc::rest {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A field found by a dotted path, and the message holding it (nested ones created on the way).
struct FieldSlot {
  Message* message = nullptr;
  const FieldDescriptor* field = nullptr;
};

// Finds `path` ("a.b", each part a proto or JSON name) in `message`, creating the nested
// messages it goes through. nullptr field when a part names nothing or the path goes through a
// repeated or non-message field.
FieldSlot FindSlot(Message& message, absl::string_view path) {
  FieldSlot slot{&message, nullptr};
  const std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const Descriptor& type = *slot.message->GetDescriptor();
    const std::string part(parts[i]);
    const FieldDescriptor* field = type.FindFieldByName(part);
    for (int k = 0; field == nullptr && k < type.field_count(); ++k) {
      if (type.field(k)->json_name() == part) field = type.field(k);
    }
    if (field == nullptr) return {};
    if (i + 1 == parts.size()) {
      slot.field = field;
      return slot;
    }
    if (field->is_repeated() || field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return {};
    slot.message = slot.message->GetReflection()->MutableMessage(slot.message, field);
  }
  return {};
}

template <typename Int>
bool ParseInt(absl::string_view text, Int& out) {
  return absl::SimpleAtoi(text, &out);
}

// Sets (or, for a repeated field, adds) `text` to the scalar field of `slot`; a description of
// what is wrong otherwise.
absl::Status SetScalar(const FieldSlot& slot, absl::string_view name, absl::string_view text) {
  Message& message = *slot.message;
  const FieldDescriptor& field = *slot.field;
  const Reflection& reflection = *message.GetReflection();
  const bool repeated = field.is_repeated();
  auto wrong = [name](absl::string_view expected) {
    return status::InvalidField(name, absl::StrCat("must be ", expected));
  };
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t value = 0;
      if (!ParseInt(text, value)) return wrong("a 32-bit integer");
      repeated ? reflection.AddInt32(&message, &field, value)
               : reflection.SetInt32(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t value = 0;
      if (!ParseInt(text, value)) return wrong("a 64-bit integer");
      repeated ? reflection.AddInt64(&message, &field, value)
               : reflection.SetInt64(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t value = 0;
      if (!ParseInt(text, value)) return wrong("an unsigned 32-bit integer");
      repeated ? reflection.AddUInt32(&message, &field, value)
               : reflection.SetUInt32(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t value = 0;
      if (!ParseInt(text, value)) return wrong("an unsigned 64-bit integer");
      repeated ? reflection.AddUInt64(&message, &field, value)
               : reflection.SetUInt64(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double value = 0;
      if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) return wrong("a number");
      repeated ? reflection.AddDouble(&message, &field, value)
               : reflection.SetDouble(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float value = 0;
      if (!absl::SimpleAtof(text, &value) || !std::isfinite(value)) return wrong("a number");
      repeated ? reflection.AddFloat(&message, &field, value)
               : reflection.SetFloat(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool value = false;
      if (text == "true") {
        value = true;
      } else if (text != "false") {
        return wrong("true or false");
      }
      repeated ? reflection.AddBool(&message, &field, value)
               : reflection.SetBool(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumValueDescriptor* value =
          field.enum_type()->FindValueByName(std::string(text));
      int number = 0;
      if (value == nullptr && ParseInt(text, number)) {
        value = field.enum_type()->FindValueByNumber(number);
      }
      if (value == nullptr) return wrong(absl::StrCat("a value of ", field.enum_type()->name()));
      repeated ? reflection.AddEnum(&message, &field, value)
               : reflection.SetEnum(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value(text);
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        // The proto3 JSON mapping's bytes: base64, standard or URL-safe.
        if (!absl::Base64Unescape(text, &value) && !absl::WebSafeBase64Unescape(text, &value)) {
          return wrong("base64");
        }
      } else if (!text::IsValidUtf8(value)) {
        return wrong("valid UTF-8");
      }
      repeated ? reflection.AddString(&message, &field, std::move(value))
               : reflection.SetString(&message, &field, std::move(value));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return status::InvalidField(name, "is a message: set its fields (name.field=value)");
}

// The field path of a binding or parameter named `name`, as the request message knows it;
// INVALID_ARGUMENT naming it when it names no scalar field.
absl::StatusOr<FieldSlot> SlotOf(Message& request, absl::string_view name) {
  const FieldSlot slot = FindSlot(request, name);
  if (slot.field == nullptr) return status::InvalidField(name, "no such field");
  return slot;
}

absl::Status BindBody(const Route& route, absl::string_view body, Message& request) {
  if (route.body.empty()) return absl::OkStatus();
  Message* target = &request;
  if (route.body != "*") {
    const FieldDescriptor* field = request.GetDescriptor()->FindFieldByName(route.body);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_repeated()) {
      // grpc-gateway's rule for a scalar or repeated body field: the body is its JSON value.
      // Wrap it so the JSON parser does the work: {"field": <body>}.
      const std::string wrapped =
          absl::StrCat("{\"", field->json_name(), "\":", body.empty() ? "null" : body, "}");
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = false;
      const auto parsed = google::protobuf::util::JsonStringToMessage(wrapped, &request, options);
      if (!parsed.ok()) return status::InvalidField(route.body, parsed.message().ToString());
      return absl::OkStatus();
    }
    target = request.GetReflection()->MutableMessage(&request, field);
  }
  if (body.empty()) return absl::OkStatus();  // `{}`.
  // The parser accepts some values that are not objects (`null`, a bare string) for a
  // message; the mapping wants an object, so check its first character.
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(body);
  if (!absl::StartsWith(trimmed, "{")) {
    return status::InvalidField("body", "must be a JSON object");
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), target, options);
  if (parsed.ok()) return absl::OkStatus();
  // Protobuf names an unknown field in its message: "<name>: Cannot find field.".
  const std::string message = parsed.message().ToString();
  absl::string_view field = "body";
  if (const size_t at = message.find(": Cannot find field."); at != std::string::npos) {
    field = absl::string_view(message).substr(0, at);
  }
  return status::InvalidField(field, absl::StrCat("invalid JSON: ", message));
}

}  // namespace

absl::Status BindRequest(const Route& route, const std::vector<PathBinding>& path,
                         absl::string_view query, absl::string_view body, Message& request) {
  if (absl::Status bound = BindBody(route, body, request); !bound.ok()) return bound;
  // Fields set from the path or a query parameter so far, so a singular one given twice is
  // refused instead of the second silently winning.
  absl::flat_hash_set<const FieldDescriptor*> set;
  for (const PathBinding& binding : path) {
    absl::StatusOr<FieldSlot> slot = SlotOf(request, binding.field);
    if (!slot.ok()) return slot.status();
    if (absl::Status bound = SetScalar(*slot, binding.field, binding.value); !bound.ok()) {
      return bound;
    }
    set.insert(slot->field);
  }
  if (query.empty()) return absl::OkStatus();
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t equals = pair.find('=');
    const std::optional<std::string> name =
        PercentDecode(pair.substr(0, equals), /*plus_is_space=*/true);
    const std::optional<std::string> value = PercentDecode(
        equals == absl::string_view::npos ? "" : pair.substr(equals + 1), /*plus_is_space=*/true);
    if (!name.has_value() || !value.has_value()) {
      return status::InvalidField(name.value_or(std::string(pair.substr(0, equals))),
                                  "bad percent-encoding in the query string");
    }
    if (!text::IsValidUtf8(*name)) return status::InvalidField("query", "not valid UTF-8");
    if (route.body == "*") {
      return status::InvalidField(*name, "this route takes its fields from the body only");
    }
    absl::StatusOr<FieldSlot> slot = SlotOf(request, *name);
    if (!slot.ok()) return slot.status();
    if (!slot->field->is_repeated() && !set.insert(slot->field).second) {
      return status::InvalidField(*name, "given more than once (or also in the path)");
    }
    if (absl::Status bound = SetScalar(*slot, *name, *value); !bound.ok()) return bound;
  }
  return absl::OkStatus();
}

}  // namespace misc::rest
