#include "crypto/milenage.h"

#include <openssl/evp.h>

#include <algorithm>

namespace imsguard::crypto {

namespace {

using Block = std::array<uint8_t, 16>;

// Cyclic left rotation by r bits; TS 35.206 only uses multiples of 8.
Block rotate_left(const Block& x, int r_bits) {
  Block out{};
  int shift = r_bits / 8;
  for (int i = 0; i < 16; ++i) out[static_cast<size_t>(i)] = x[static_cast<size_t>((i + shift) % 16)];
  return out;
}

Block xor_block(const Block& a, const Block& b) {
  Block out{};
  for (size_t i = 0; i < 16; ++i) out[i] = a[i] ^ b[i];
  return out;
}

EVP_CIPHER_CTX* new_aes_ctx(const Key& k) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) return nullptr;
  if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), nullptr, k.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

}  // namespace

void Milenage::CtxDeleter::operator()(void* ctx) const {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx));
}

bool Milenage::encrypt(const Block& in, Block& out) const {
  int len = 0;
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_.get());
  return EVP_EncryptUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size())) == 1 &&
         len == 16;
}

std::optional<Key> Milenage::compute_opc(const Key& k, const Key& op) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(new_aes_ctx(k), &EVP_CIPHER_CTX_free);
  if (!ctx) return std::nullopt;
  Block enc{};
  int len = 0;
  if (EVP_EncryptUpdate(ctx.get(), enc.data(), &len, op.data(), 16) != 1 || len != 16) return std::nullopt;
  return xor_block(enc, op);
}

std::optional<Milenage> Milenage::from_opc(const Key& k, const Key& opc) {
  Milenage m;
  m.ctx_.reset(new_aes_ctx(k));
  if (!m.ctx_) return std::nullopt;
  m.opc_ = opc;
  return m;
}

std::optional<Milenage> Milenage::from_op(const Key& k, const Key& op) {
  auto opc = compute_opc(k, op);
  if (!opc) return std::nullopt;
  return from_opc(k, *opc);
}

std::optional<Block> Milenage::temp(const Rand& rand) const {
  Block t{};
  if (!encrypt(xor_block(rand, opc_), t)) return std::nullopt;
  return t;
}

std::optional<Block> Milenage::out1(const Rand& rand, const SqnBytes& sqn, const Amf& amf) const {
  auto t = temp(rand);
  if (!t) return std::nullopt;
  Block in1{};
  std::copy(sqn.begin(), sqn.end(), in1.begin());
  std::copy(amf.begin(), amf.end(), in1.begin() + 6);
  std::copy(sqn.begin(), sqn.end(), in1.begin() + 8);
  std::copy(amf.begin(), amf.end(), in1.begin() + 14);
  // OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc, r1 = 64, c1 = 0.
  Block x = xor_block(*t, rotate_left(xor_block(in1, opc_), 64));
  Block out{};
  if (!encrypt(x, out)) return std::nullopt;
  return xor_block(out, opc_);
}

std::optional<Block> Milenage::out_n(const Block& t, int n) const {
  // r2..r5 = 0, 32, 64, 96 bits; c2..c5 = 1, 2, 4, 8 in the last byte.
  static constexpr int kRot[] = {0, 32, 64, 96};
  static constexpr uint8_t kConst[] = {1, 2, 4, 8};
  Block x = rotate_left(xor_block(t, opc_), kRot[n - 2]);
  x[15] ^= kConst[n - 2];
  Block out{};
  if (!encrypt(x, out)) return std::nullopt;
  return xor_block(out, opc_);
}

std::optional<Mac> Milenage::f1(const Rand& rand, const SqnBytes& sqn, const Amf& amf) const {
  auto o = out1(rand, sqn, amf);
  if (!o) return std::nullopt;
  Mac mac{};
  std::copy(o->begin(), o->begin() + 8, mac.begin());
  return mac;
}

std::optional<Mac> Milenage::f1star(const Rand& rand, const SqnBytes& sqn, const Amf& amf) const {
  auto o = out1(rand, sqn, amf);
  if (!o) return std::nullopt;
  Mac mac{};
  std::copy(o->begin() + 8, o->end(), mac.begin());
  return mac;
}

std::optional<MilenageF2345> Milenage::f2345(const Rand& rand) const {
  auto t = temp(rand);
  if (!t) return std::nullopt;
  auto o2 = out_n(*t, 2);
  auto o3 = out_n(*t, 3);
  auto o4 = out_n(*t, 4);
  if (!o2 || !o3 || !o4) return std::nullopt;
  MilenageF2345 r;
  std::copy(o2->begin(), o2->begin() + 6, r.ak.begin());   // f5 = OUT2[0..47]
  std::copy(o2->begin() + 8, o2->end(), r.res.begin());    // f2 = OUT2[64..127]
  r.ck = *o3;
  r.ik = *o4;
  return r;
}

std::optional<SqnBytes> Milenage::f5star(const Rand& rand) const {
  auto t = temp(rand);
  if (!t) return std::nullopt;
  auto o5 = out_n(*t, 5);
  if (!o5) return std::nullopt;
  SqnBytes ak{};
  std::copy(o5->begin(), o5->begin() + 6, ak.begin());
  return ak;
}

}  // namespace imsguard::crypto
