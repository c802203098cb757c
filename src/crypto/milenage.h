#pragma once
// Milenage (3GPP TS 35.206): the AKA functions f1..f5* on AES-128. It is the algorithm set
// the USIMs we authenticate carry, so the network side has to compute exactly the same
// values; the client side is here too so tests and tools can play the USIM.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>

namespace imsguard::crypto {

using Key = std::array<uint8_t, 16>;   // K, OP, OPc
using Rand = std::array<uint8_t, 16>;  // RAND
using Ck = std::array<uint8_t, 16>;
using Ik = std::array<uint8_t, 16>;
using SqnBytes = std::array<uint8_t, 6>;  // SQN, AK, AK*, SQN xor AK
using Amf = std::array<uint8_t, 2>;
using Mac = std::array<uint8_t, 8>;  // MAC-A (f1), MAC-S (f1*)
using Res = std::array<uint8_t, 8>;  // RES / XRES (f2, 64 bits as Milenage produces)

// f2..f5 share one AES pass chain over RAND, so they come out together.
struct MilenageF2345 {
  Res res{};
  Ck ck{};
  Ik ik{};
  SqnBytes ak{};
};

// Holds K (as an initialised AES key schedule) and OPc. Not thread-safe: make one per use;
// it is cheap (one AES key set-up). Move-only because it owns an OpenSSL context.
class Milenage {
 public:
  // OPc = OP xor E_K(OP). nullopt only if OpenSSL fails.
  static std::optional<Key> compute_opc(const Key& k, const Key& op);
  static std::optional<Milenage> from_opc(const Key& k, const Key& opc);
  static std::optional<Milenage> from_op(const Key& k, const Key& op);

  const Key& opc() const { return opc_; }

  // Each returns nullopt only if OpenSSL fails (never for any input value).
  std::optional<Mac> f1(const Rand& rand, const SqnBytes& sqn, const Amf& amf) const;
  std::optional<Mac> f1star(const Rand& rand, const SqnBytes& sqn, const Amf& amf) const;
  std::optional<MilenageF2345> f2345(const Rand& rand) const;
  std::optional<SqnBytes> f5star(const Rand& rand) const;

 private:
  struct CtxDeleter {
    void operator()(void* ctx) const;
  };
  Milenage() = default;
  bool encrypt(const std::array<uint8_t, 16>& in, std::array<uint8_t, 16>& out) const;
  std::optional<std::array<uint8_t, 16>> out1(const Rand& rand, const SqnBytes& sqn, const Amf& amf) const;
  // OUTn for n = 2..5 (TS 35.206 section 4.1).
  std::optional<std::array<uint8_t, 16>> out_n(const std::array<uint8_t, 16>& temp, int n) const;
  std::optional<std::array<uint8_t, 16>> temp(const Rand& rand) const;

  std::unique_ptr<void, CtxDeleter> ctx_;  // EVP_CIPHER_CTX, AES-128-ECB keyed with K
  Key opc_{};
};

}  // namespace imsguard::crypto
