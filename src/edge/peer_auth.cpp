#include "edge/peer_auth.h"

#include "crypto/ct.h"
#include "crypto/hash.h"
#include "crypto/hex.h"
#include "sip/lex.h"
#include "sip/parser.h"

#include "crypto/hmac.h"

#include <charconv>
#include <fstream>
#include <iterator>

namespace imsguard::edge {

namespace {

constexpr size_t kMacBytes = 16;

// One field of the MAC input, length-prefixed so no two messages give the same input.
void field(std::string& out, std::string_view v) {
  out += std::to_string(v.size());
  out += ':';
  out += v;
  out += '\n';
}

std::string_view first_value(const sip::Message& m, sip::HeaderId id) {
  const sip::HeaderField* f = m.find(id);
  return f ? f->value : std::string_view{};
}

}  // namespace

StatusOr<std::vector<uint8_t>> PeerAuth::load_key(const std::string& path) {
  if (path.empty())
    return invalid_argument(
        "sip.peer_key_file: peer edges need a shared key file (at least 32 random bytes, the same on every edge)");
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found_error("sip.peer_key_file: cannot read '" + path + "'");
  std::vector<uint8_t> key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (key.size() < kMinKeyBytes)
    return invalid_argument("sip.peer_key_file: '" + path + "' holds " + std::to_string(key.size()) +
                            " bytes, at least " + std::to_string(kMinKeyBytes) + " needed (e.g. head -c 32 /dev/urandom)");
  return key;
}

std::string PeerAuth::mac(const sip::Message& m, int64_t ts) const {
  std::string in;
  field(in, std::to_string(ts));
  field(in, m.method_name());
  field(in, m.request_uri());
  field(in, first_value(m, sip::HeaderId::kFrom));
  field(in, first_value(m, sip::HeaderId::kTo));
  field(in, m.call_id());
  field(in, first_value(m, sip::HeaderId::kCSeq));
  field(in, first_value(m, sip::HeaderId::kVia));
  field(in, first_value(m, sip::HeaderId::kRoute));
  for (const sip::HeaderField& f : m.headers())
    if (f.id == sip::HeaderId::kPAssertedIdentity) field(in, f.value);
  field(in, crypto::hex_digest(crypto::HashAlgorithm::kSha256, m.body()));
  auto out = crypto::hmac_sha256(key_, in);
  if (!out) return {};  // no MAC: sign() signs nothing, verify() accepts nothing
  return crypto::to_hex(std::span<const uint8_t>(out->data(), kMacBytes));
}

std::optional<std::string> PeerAuth::sign(std::string_view request, int64_t now_unix_s) const {
  sip::Message m;
  if (sip::parse_datagram(request, sip::Limits{}, m).status != sip::ParseStatus::kOk || !m.is_request())
    return std::nullopt;
  size_t eol = request.find("\r\n");
  if (eol == std::string_view::npos) return std::nullopt;
  std::string out;
  out.reserve(request.size() + 80);
  out += request.substr(0, eol + 2);
  out += kHeader;
  std::string signature = mac(m, now_unix_s);
  if (signature.empty()) return std::nullopt;
  out += ": ts=" + std::to_string(now_unix_s) + ";mac=" + signature + "\r\n";
  out += request.substr(eol + 2);
  return out;
}

PeerAuth::Verdict PeerAuth::verify(const sip::Message& m, int64_t now_unix_s) const {
  const sip::HeaderField* found = nullptr;
  for (const sip::HeaderField& f : m.headers()) {
    if (f.id != sip::HeaderId::kOther || !sip::iequals(f.name, kHeader)) continue;
    if (found) return Verdict::kMalformed;  // exactly one
    found = &f;
  }
  if (!found) return Verdict::kMissing;
  std::string_view v = found->value;
  if (v.substr(0, 3) != "ts=") return Verdict::kMalformed;
  size_t semi = v.find(";mac=");
  if (semi == std::string_view::npos) return Verdict::kMalformed;
  int64_t ts = 0;
  auto [end, ec] = std::from_chars(v.data() + 3, v.data() + semi, ts);
  if (ec != std::errc() || end != v.data() + semi) return Verdict::kMalformed;
  // The MAC first: a stale verdict must not tell a forger anything a bad MAC would not.
  std::string expected = mac(m, ts);
  if (expected.empty() || !crypto::constant_time_equal(expected, v.substr(semi + 5))) return Verdict::kBadMac;
  if (ts > now_unix_s + window_s_ || ts < now_unix_s - window_s_) return Verdict::kStale;
  return Verdict::kValid;
}

std::string_view PeerAuth::verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kValid: return "valid";
    case Verdict::kMissing: return "missing";
    case Verdict::kMalformed: return "malformed";
    case Verdict::kStale: return "stale";
    case Verdict::kBadMac: return "bad_mac";
  }
  return "";
}

}  // namespace imsguard::edge
