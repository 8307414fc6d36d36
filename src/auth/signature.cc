#include "src/auth/signature.h"

#include <openssl/ecdsa.h>
#include <openssl/err.h>

#include <cstdint>

#include "src/auth/openssl_ptr.h"

namespace misc::auth {
namespace {

constexpr size_t kEs256CoordinateBytes = 32;
constexpr size_t kEs256SignatureBytes = 2 * kEs256CoordinateBytes;
constexpr size_t kEd25519SignatureBytes = 64;

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// One-shot EVP_DigestVerify; `digest` is nullptr for EdDSA, which hashes internally.
bool DigestVerify(EVP_PKEY* key, const EVP_MD* digest, absl::string_view signing_input,
                  absl::string_view signature) {
  EvpMdCtxPtr context(EVP_MD_CTX_new());
  if (context == nullptr) return false;
  const bool ok = EVP_DigestVerifyInit(context.get(), nullptr, digest, nullptr, key) == 1 &&
                  EVP_DigestVerify(context.get(), Bytes(signature), signature.size(),
                                   Bytes(signing_input), signing_input.size()) == 1;
  // A failed verification leaves entries on this thread's OpenSSL error queue, where gRPC's
  // TLS code could later mistake them for its own errors.
  if (!ok) ERR_clear_error();
  return ok;
}

// SHA-256, fetched from the default provider once: EVP_sha256() would be fetched again by
// every verification.
const EVP_MD* Sha256() {
  static const EVP_MD* const digest = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return digest;
}

}  // namespace

std::optional<std::string> Es256RawToDer(absl::string_view raw) {
  if (raw.size() != kEs256SignatureBytes) return std::nullopt;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BignumPtr r(BN_bin2bn(Bytes(raw), kEs256CoordinateBytes, nullptr));
  BignumPtr s(BN_bin2bn(Bytes(raw) + kEs256CoordinateBytes, kEs256CoordinateBytes, nullptr));
  if (sig == nullptr || r == nullptr || s == nullptr) return std::nullopt;
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  // sig owns r and s now.
  static_cast<void>(r.release());
  static_cast<void>(s.release());
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), length);
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> Es256DerToRaw(absl::string_view der) {
  const unsigned char* cursor = Bytes(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<int64_t>(der.size())));
  if (sig == nullptr || cursor != Bytes(der) + der.size()) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(kEs256SignatureBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kEs256CoordinateBytes) < 0 ||
      BN_bn2binpad(s, out + kEs256CoordinateBytes, kEs256CoordinateBytes) < 0) {
    return std::nullopt;
  }
  return raw;
}

bool VerifySignature(const PublicKey& key, absl::string_view signing_input,
                     absl::string_view signature) {
  if (key.key == nullptr) return false;
  switch (key.algorithm) {
    case JwtAlgorithm::kRs256:
      if (Sha256() == nullptr) return false;
      if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key.key.get()))) return false;
      return DigestVerify(key.key.get(), Sha256(), signing_input, signature);
    case JwtAlgorithm::kEs256: {
      const std::optional<std::string> der = Es256RawToDer(signature);
      if (!der.has_value() || Sha256() == nullptr) return false;
      return DigestVerify(key.key.get(), Sha256(), signing_input, *der);
    }
    case JwtAlgorithm::kEdDsa:
      if (signature.size() != kEd25519SignatureBytes) return false;
      return DigestVerify(key.key.get(), nullptr, signing_input, signature);
  }
  return false;
}

}  // namespace misc::auth
