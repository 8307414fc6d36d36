// Every kind of authorization a caller may send, through ViewerFromMetadata and JwtVerifier
// as the server runs them: each bad one is UNAUTHENTICATED with the one message "invalid
// token" (so it holds no piece of the token and no key material) and counted under its
// reason; each good one is its user.
// (test/viewer proves end to end that the server answers such a rejection with no data.)
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "src/auth/jwt_parser.h"
#include "src/auth/viewer_from_metadata.h"
#include "test/auth/auth_test_util.h"
#include "test/auth/secret_free.h"

namespace misc::auth {
namespace {

using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::EdKey;
using ::misc::auth::testing::RsaKey;
using ::misc::auth::testing::ValidClaims;
using ::misc::auth::testing::ValidToken;

// The authorization metadata values of one call, one entry each.
using Authorization = std::vector<std::string>;

Authorization Bearer(const std::string& token) { return {absl::StrCat("Bearer ", token)}; }

// Returns kNow + `offset` in Unix seconds.
int64_t At(absl::Duration offset) { return absl::ToUnixSeconds(testing::kNow + offset); }

// A token signed with `key` whose claims are ValidClaims() changed by `change`.
std::string TokenWithClaims(const SigningKey& key,
                            const std::function<void(nlohmann::json&)>& change) {
  nlohmann::json claims = ValidClaims();
  change(claims);
  return testing::Sign(key, testing::HeaderFor(key), claims);
}

// A token signed with `key` whose header is HeaderFor(key) changed by `change`.
std::string TokenWithHeader(const SigningKey& key,
                            const std::function<void(nlohmann::json&)>& change) {
  nlohmann::json header = testing::HeaderFor(key);
  change(header);
  return testing::Sign(key, header, ValidClaims());
}

struct AuthorizationCase {
  std::string name;
  // Builds the call's authorization at test time.
  std::function<Authorization()> authorization;
  // For a rejection, its reason (the outcome metric's label); nullopt: refused before the
  // verifier (several headers, another scheme).
  std::optional<VerifyReason> reason;
};

void PrintTo(const AuthorizationCase& c, std::ostream* out) { *out << c.name; }

std::string CaseName(const ::testing::TestParamInfo<AuthorizationCase>& info) {
  return info.param.name;
}

// The tampering cases of each key: a header or payload changed after signing, a bit of the
// signature flipped. The tampered payload names another user, as a forger would.
void AddTamperedCases(std::vector<AuthorizationCase>& cases) {
  struct NamedKey {
    const char* name;
    const SigningKey& (*key)();
  };
  for (const NamedKey named :
       {NamedKey{"Rs256", &RsaKey}, NamedKey{"Es256", &EcKey}, NamedKey{"EdDsa", &EdKey}}) {
    const auto key = named.key;
    cases.push_back({absl::StrCat("TamperedHeader", named.name),
                     [key] {
                       nlohmann::json header = testing::HeaderFor(key());
                       header["x"] = 1;
                       return Bearer(testing::WithHeader(ValidToken(key()), header));
                     },
                     VerifyReason::kBadSignature});
    cases.push_back({absl::StrCat("TamperedPayload", named.name),
                     [key] {
                       nlohmann::json claims = ValidClaims();
                       claims["sub"] = "1";
                       return Bearer(testing::WithClaims(ValidToken(key()), claims));
                     },
                     VerifyReason::kBadSignature});
    cases.push_back({absl::StrCat("TamperedSignature", named.name),
                     [key] { return Bearer(testing::WithFlippedSignatureBit(ValidToken(key()))); },
                     VerifyReason::kBadSignature});
  }
}

// Tokens whose claims or header the verifier refuses.
void AddClaimAndHeaderCases(std::vector<AuthorizationCase>& cases) {
  const auto claims = [](std::function<void(nlohmann::json&)> change) {
    return [change = std::move(change)] { return Bearer(TokenWithClaims(EcKey(), change)); };
  };
  const auto header = [](std::function<void(nlohmann::json&)> change) {
    return [change = std::move(change)] { return Bearer(TokenWithHeader(EcKey(), change)); };
  };
  const std::vector<AuthorizationCase> more = {
      {"Expired", claims([](nlohmann::json& c) {
         c["iat"] = At(-absl::Hours(2));
         c["exp"] = At(-absl::Hours(1));
       }),
       VerifyReason::kExpired},
      {"ExpiredJustBeyondTheClockSkew",  // The skew is 60 s.
       claims([](nlohmann::json& c) {
         c["iat"] = At(-absl::Hours(1));
         c["exp"] = At(-absl::Seconds(90));
       }),
       VerifyReason::kExpired},
      {"NotYetValid", claims([](nlohmann::json& c) {
         c["nbf"] = At(absl::Hours(1));
         c["exp"] = At(absl::Hours(2));
       }),
       VerifyReason::kNotYetValid},
      {"NotYetValidJustBeyondTheClockSkew",
       claims([](nlohmann::json& c) { c["nbf"] = At(absl::Seconds(90)); }),
       VerifyReason::kNotYetValid},
      {"WrongIssuer", claims([](nlohmann::json& c) { c["iss"] = "https://evil.example"; }),
       VerifyReason::kWrongIssuer},
      {"WrongAudience", claims([](nlohmann::json& c) {
         c["aud"] = {"other-api", "misc-api-staging"};
       }),
       VerifyReason::kWrongAudience},
      {"MissingAudience", claims([](nlohmann::json& c) { c.erase("aud"); }),
       VerifyReason::kInvalidClaims},
      {"MissingExp", claims([](nlohmann::json& c) { c.erase("exp"); }),
       VerifyReason::kInvalidClaims},
      {"SubjectNotAUserId", claims([](nlohmann::json& c) { c["sub"] = "admin"; }),
       VerifyReason::kInvalidSubject},
      {"UnknownKid", header([](nlohmann::json& h) { h["kid"] = "ec-9"; }),
       VerifyReason::kUnknownKey},
      {"KidOfAKeyOfAnotherAlgorithm",  // An EdDSA token naming the ES256 key.
       [] {
         return Bearer(TokenWithHeader(EdKey(), [](nlohmann::json& h) { h["kid"] = EcKey().kid; }));
       },
       VerifyReason::kAlgorithmMismatch},
      {"CritHeader", header([](nlohmann::json& h) { h["crit"] = {"exp"}; }),
       VerifyReason::kUnsupportedHeader},
  };
  cases.insert(cases.end(), more.begin(), more.end());
}

// Tokens of a forbidden algorithm or spelling, and authorization values that are no Bearer
// token at all.
void AddFormCases(std::vector<AuthorizationCase>& cases) {
  const auto malformed = VerifyReason::kMalformed;
  const std::vector<AuthorizationCase> more = {
      {"AlgNone", [] { return Bearer(testing::UnsignedToken("none", ValidClaims())); },
       VerifyReason::kUnsupportedAlgorithm},
      {"AlgNoneCapitalized", [] { return Bearer(testing::UnsignedToken("None", ValidClaims())); },
       VerifyReason::kUnsupportedAlgorithm},
      {"AlgNoneUpperCase", [] { return Bearer(testing::UnsignedToken("NONE", ValidClaims())); },
       VerifyReason::kUnsupportedAlgorithm},
      {"Hs256MacedWithTheRsaPublicKeyPem",
       [] { return Bearer(testing::HmacWithPublicKeyPemToken(RsaKey(), "HS256", ValidClaims())); },
       VerifyReason::kUnsupportedAlgorithm},
      {"Es256SignatureInDer",
       [] {
         return Bearer(testing::Sign(EcKey(), testing::HeaderFor(EcKey()), ValidClaims(),
                                     EcdsaEncoding::kDer));
       },
       VerifyReason::kBadSignature},
      {"Base64UrlWithPadding",
       [] {
         testing::JwsParts parts = testing::SplitJws(ValidToken(EcKey()));
         parts.payload += "=";
         return Bearer(parts.Join());
       },
       malformed},
      {"Base64WithTheStandardAlphabet",
       [] {
         // An RSA signature has 342 characters: some are - or _ (else the case would be void).
         const std::string token = ValidToken(RsaKey());
         const std::string standard = absl::StrReplaceAll(token, {{"-", "+"}, {"_", "/"}});
         EXPECT_NE(standard, token) << "no - or _ to replace";
         return Bearer(standard);
       },
       malformed},
      {"Base64UrlNonCanonical",  // Unused low bits of the last character set.
       [] {
         constexpr absl::string_view kAlphabet =
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
         testing::JwsParts parts = testing::SplitJws(ValidToken(EcKey()));
         char& last = parts.signature.back();
         last = kAlphabet[kAlphabet.find(last) ^ 1];
         return Bearer(parts.Join());
       },
       malformed},
      {"ExtraDotAndPart",
       [] {
         const std::string token = ValidToken(EcKey());
         return Bearer(absl::StrCat(token, ".", testing::SplitJws(token).signature));
       },
       malformed},
      {"TrailingDot", [] { return Bearer(absl::StrCat(ValidToken(EcKey()), ".")); }, malformed},
      {"DoubledDot",
       [] {
         const testing::JwsParts parts = testing::SplitJws(ValidToken(EcKey()));
         return Bearer(absl::StrCat(parts.header, "..", parts.payload, ".", parts.signature));
       },
       malformed},
      {"ClaimsJsonIsAnArray",
       [] { return Bearer(testing::SignText(EcKey(), testing::HeaderFor(EcKey()).dump(), "[]")); },
       malformed},
      {"HeaderJsonIsAString",
       [] { return Bearer(testing::SignText(EcKey(), "\"ES256\"", ValidClaims().dump())); },
       malformed},
      {"DuplicateExp",  // A past exp then a valid one: which wins must not matter.
       [] {
         const std::string claims = ValidClaims().dump();
         return Bearer(testing::SignText(
             EcKey(), testing::HeaderFor(EcKey()).dump(),
             absl::StrCat("{\"exp\":", At(-absl::Hours(1)), ",", claims.substr(1))));
       },
       malformed},
      {"OversizedToken",  // Just over 8 KiB, validly signed.
       [] { return Bearer(testing::PaddedToken(EcKey(), ValidClaims(), kMaxTokenBytes + 1)); },
       VerifyReason::kTooLarge},
      {"BearerWithoutToken", [] { return Authorization{"Bearer "}; }, std::nullopt},
      {"EmptyAuthorization", [] { return Authorization{""}; }, std::nullopt},
      {"BasicScheme", [] { return Authorization{"Basic dXNlcjQyOnBhc3N3b3Jk"}; }, std::nullopt},
      {"ValidTokenUnderTheBasicScheme",
       [] { return Authorization{absl::StrCat("Basic ", ValidToken(EcKey()))}; }, std::nullopt},
      {"ValidTokenWithoutScheme", [] { return Authorization{ValidToken(EcKey())}; }, std::nullopt},
      {"TwoAuthorizationValues",  // Even when both are valid tokens.
       [] {
         return Authorization{absl::StrCat("Bearer ", ValidToken(EcKey())),
                              absl::StrCat("Bearer ", ValidToken(RsaKey()))};
       },
       std::nullopt},
  };
  cases.insert(cases.end(), more.begin(), more.end());
}

std::vector<AuthorizationCase> RejectedCases() {
  std::vector<AuthorizationCase> cases;
  AddClaimAndHeaderCases(cases);
  AddFormCases(cases);
  AddTamperedCases(cases);
  return cases;
}

std::vector<AuthorizationCase> AcceptedCases() {
  const auto with_nbf = [](const SigningKey& key, absl::Duration offset) {
    return Bearer(TokenWithClaims(key, [offset](nlohmann::json& c) { c["nbf"] = At(offset); }));
  };
  return {
      {"Rs256", [] { return Bearer(ValidToken(RsaKey())); }, std::nullopt},
      {"Es256", [] { return Bearer(ValidToken(EcKey())); }, std::nullopt},
      {"EdDsa", [] { return Bearer(ValidToken(EdKey())); }, std::nullopt},
      {"Rs256WithNbf", [with_nbf] { return with_nbf(RsaKey(), absl::ZeroDuration()); },
       std::nullopt},
      {"Es256WithNbf", [with_nbf] { return with_nbf(EcKey(), -absl::Minutes(5)); }, std::nullopt},
      {"EdDsaWithNbf", [with_nbf] { return with_nbf(EdKey(), absl::ZeroDuration()); },
       std::nullopt},
      {"NbfWithinTheClockSkew", [with_nbf] { return with_nbf(EcKey(), absl::Seconds(30)); },
       std::nullopt},
      {"ExpWithinTheClockSkew",
       [] {
         return Bearer(TokenWithClaims(EdKey(), [](nlohmann::json& c) {
           c["iat"] = At(-absl::Hours(1));
           c["exp"] = At(-absl::Seconds(30));
         }));
       },
       std::nullopt},
      {"PaddedToTheLargestTokenSize",  // 8189 to 8192 bytes: within the verifier's limit.
       [] {
         const std::string token = testing::PaddedToken(EcKey(), ValidClaims(), kMaxTokenBytes - 3);
         EXPECT_LE(token.size(), kMaxTokenBytes);
         return Bearer(token);
       },
       std::nullopt},
      {"LowerCaseBearerScheme",
       [] { return Authorization{absl::StrCat("bearer ", ValidToken(RsaKey()))}; }, std::nullopt},
  };
}

// A verifier of RsaKey, EcKey and EdKey, asked through the call's metadata at kNow.
class AuthorizationTest : public ::testing::TestWithParam<AuthorizationCase> {
 protected:
  AuthorizationTest()
      : jwks_({RsaKey(), EcKey(), EdKey()}), verifier_(testing::MakeVerifier(jwks_.path())) {}

  absl::StatusOr<Viewer> ViewerFor(const Authorization& authorization) {
    std::multimap<grpc::string_ref, grpc::string_ref> metadata = {{"x-request-id", "abc"}};
    for (const std::string& value : authorization) metadata.emplace("authorization", value);
    return ViewerFromMetadata(verifier_.get(), metadata, testing::kNow);
  }

  testing::JwksFile jwks_;
  std::unique_ptr<JwtVerifier> verifier_;
};

class RejectedAuthorizationTest : public AuthorizationTest {};

TEST_P(RejectedAuthorizationTest, IsUnauthenticatedWithAShortMessageFreeOfTokenAndKey) {
  const Authorization authorization = GetParam().authorization();
  const std::map<std::string, int64_t> before = verifier_->VerificationCounts();
  const absl::StatusOr<Viewer> viewer = ViewerFor(authorization);
  ASSERT_EQ(viewer.status().code(), absl::StatusCode::kUnauthenticated) << viewer.status();
  if (GetParam().reason.has_value()) {
    // The caller sees one message; the reason shows only in the outcome metric.
    const std::string label(VerifyReasonLabel(*GetParam().reason));
    EXPECT_EQ(verifier_->VerificationCounts().at(label), before.at(label) + 1) << label;
  }
  EXPECT_TRUE(testing::IsSafeRejectionMessage(viewer.status().message(), authorization,
                                              kInvalidTokenMessage));
}

INSTANTIATE_TEST_SUITE_P(Tokens, RejectedAuthorizationTest, ::testing::ValuesIn(RejectedCases()),
                         CaseName);

class AcceptedAuthorizationTest : public AuthorizationTest {};

TEST_P(AcceptedAuthorizationTest, IsTheUserTheTokenNames) {
  EXPECT_TRUE(testing::AcceptedAs(ViewerFor(GetParam().authorization()), 42));
}

INSTANTIATE_TEST_SUITE_P(Tokens, AcceptedAuthorizationTest, ::testing::ValuesIn(AcceptedCases()),
                         CaseName);

}  // namespace
}  // namespace misc::auth
