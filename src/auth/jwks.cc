#include "src/auth/jwks.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/auth/base64url.h"
#include "src/auth/public_key_import.h"
#include "src/auth/strict_json.h"

namespace misc::auth {
namespace {

using Json = nlohmann::json;

// Members that only a private or symmetric key has (RFC 7518 section 6).
constexpr const char* kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

// Returns string member `name` of `jwk`, or std::nullopt when absent or not a string.
std::optional<std::string> StringMember(const Json& jwk, const char* name) {
  const auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// Returns the decoded base64url member `name` of `jwk`.
absl::StatusOr<std::string> BytesMember(const Json& jwk, const char* name) {
  std::optional<std::string> encoded = StringMember(jwk, name);
  if (!encoded.has_value())
    return absl::InvalidArgumentError(absl::StrCat("missing \"", name, "\""));
  std::optional<std::string> bytes = Base64UrlDecode(*encoded);
  if (!bytes.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", name, "\" is not base64url"));
  }
  return *std::move(bytes);
}

// Checks that the optional member `name` is absent or the string `expected`.
absl::Status OptionalStringIs(const Json& jwk, const char* name, absl::string_view expected) {
  const auto it = jwk.find(name);
  if (it == jwk.end()) return absl::OkStatus();
  if (!it->is_string() || it->get_ref<const std::string&>() != expected) {
    return absl::InvalidArgumentError(absl::StrCat("\"", name, "\" must be \"", expected, "\""));
  }
  return absl::OkStatus();
}

absl::Status CheckUsage(const Json& jwk) {
  if (absl::Status status = OptionalStringIs(jwk, "use", "sig"); !status.ok()) return status;
  const auto key_ops = jwk.find("key_ops");
  if (key_ops == jwk.end()) return absl::OkStatus();
  if (key_ops->is_array()) {
    for (const Json& op : *key_ops) {
      if (op.is_string() && op.get_ref<const std::string&>() == "verify") return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("\"key_ops\" must include \"verify\"");
}

// Builds the key of one JWK, bound to the algorithm its type implies.
absl::StatusOr<PublicKey> ParseJwk(const Json& jwk) {
  if (!jwk.is_object()) return absl::InvalidArgumentError("not an object");
  for (const char* member : kPrivateMembers) {
    if (jwk.contains(member)) {
      return absl::InvalidArgumentError("holds private key material; publish public keys only");
    }
  }
  if (absl::Status status = CheckUsage(jwk); !status.ok()) return status;
  PublicKey key;
  std::optional<std::string> kid = StringMember(jwk, "kid");
  if (!kid.has_value() || kid->empty()) return absl::InvalidArgumentError("needs a \"kid\"");
  key.kid = *std::move(kid);

  const std::optional<std::string> kty = StringMember(jwk, "kty");
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> evp_key;
  if (kty == "RSA") {
    // An RSA key could serve several algorithms; "alg" says which one it is for.
    if (StringMember(jwk, "alg") != "RS256") {
      return absl::InvalidArgumentError("an RSA key needs \"alg\": \"RS256\"");
    }
    key.algorithm = JwtAlgorithm::kRs256;
    absl::StatusOr<std::string> n = BytesMember(jwk, "n");
    if (!n.ok()) return n.status();
    absl::StatusOr<std::string> e = BytesMember(jwk, "e");
    if (!e.ok()) return e.status();
    evp_key = ImportRsaPublicKey(*n, *e);
  } else if (kty == "EC") {
    if (StringMember(jwk, "crv") != "P-256") {
      return absl::InvalidArgumentError("an EC key needs \"crv\": \"P-256\"");
    }
    if (absl::Status status = OptionalStringIs(jwk, "alg", "ES256"); !status.ok()) return status;
    key.algorithm = JwtAlgorithm::kEs256;
    absl::StatusOr<std::string> x = BytesMember(jwk, "x");
    if (!x.ok()) return x.status();
    absl::StatusOr<std::string> y = BytesMember(jwk, "y");
    if (!y.ok()) return y.status();
    evp_key = ImportP256PublicKey(*x, *y);
  } else if (kty == "OKP") {
    if (StringMember(jwk, "crv") != "Ed25519") {
      return absl::InvalidArgumentError("an OKP key needs \"crv\": \"Ed25519\"");
    }
    if (absl::Status status = OptionalStringIs(jwk, "alg", "EdDSA"); !status.ok()) return status;
    key.algorithm = JwtAlgorithm::kEdDsa;
    absl::StatusOr<std::string> x = BytesMember(jwk, "x");
    if (!x.ok()) return x.status();
    evp_key = ImportEd25519PublicKey(*x);
  } else {
    return absl::InvalidArgumentError("\"kty\" must be RSA, EC or OKP");
  }
  if (!evp_key.ok()) return evp_key.status();
  key.key = *std::move(evp_key);
  return key;
}

}  // namespace

const PublicKey* KeySet::Find(const std::optional<std::string>& kid) const {
  if (!kid.has_value()) return keys_.size() == 1 ? &keys_.begin()->second : nullptr;
  const auto it = keys_.find(*kid);
  return it == keys_.end() ? nullptr : &it->second;
}

absl::StatusOr<KeySet> ParseJwks(absl::string_view json) {
  if (json.size() > kMaxJwksBytes) return absl::InvalidArgumentError("JWKS too large");
  absl::StatusOr<Json> document = ParseStrictJson(json);
  if (!document.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("JWKS: ", document.status().message()));
  }
  if (!document->is_object()) return absl::InvalidArgumentError("JWKS is not a JSON object");
  const auto keys = document->find("keys");
  if (keys == document->end() || !keys->is_array()) {
    return absl::InvalidArgumentError("JWKS needs a \"keys\" array");
  }
  if (keys->size() > kMaxJwksKeys) return absl::InvalidArgumentError("JWKS has too many keys");
  KeySet set;
  for (size_t i = 0; i < keys->size(); ++i) {
    absl::StatusOr<PublicKey> key = ParseJwk((*keys)[i]);
    if (!key.ok()) {
      // A key misc cannot use (an encryption key, another algorithm, a broken one) is left out
      // rather than failing the set: an identity provider publishes keys for every consumer,
      // and one key meant for someone else must not stop misc from verifying with the rest.
      set.skipped_.push_back(absl::StrCat("key ", i, ": ", key.status().message()));
      continue;
    }
    std::string kid = key->kid;
    if (!set.keys_.emplace(std::move(kid), *std::move(key)).second) {
      // Two usable keys under one kid: which one signed a token is ambiguous.
      return absl::InvalidArgumentError(absl::StrCat("JWKS key ", i, ": duplicate \"kid\""));
    }
  }
  if (set.keys_.empty()) {
    return absl::InvalidArgumentError(
        set.skipped_.empty()
            ? std::string("JWKS has no keys")
            : absl::StrCat("JWKS has no usable key: ", absl::StrJoin(set.skipped_, "; ")));
  }
  return set;
}

}  // namespace misc::auth
