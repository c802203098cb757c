#include "client/credentials.h"

#include "crypto/digest_aka.h"
#include "crypto/digest_header.h"
#include "crypto/hash.h"
#include "crypto/hex.h"

#include <openssl/rand.h>

#include <cstdio>
#include <vector>

namespace imsguard::client {

namespace {

void append_quoted(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\r' || c == '\n') continue;
    out.push_back(c);
  }
  out.push_back('"');
}

std::string nc_text(uint32_t nc) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", nc);
  return buf;
}

bool has(const std::vector<std::string>& v, std::string_view x) {
  for (const auto& s : v)
    if (s == x) return true;
  return false;
}

}  // namespace

std::string random_token(size_t bytes) {
  std::vector<uint8_t> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
    // Tokens only need to be unique, not secret; the cnonce is the one that matters and
    // OpenSSL failing to seed is fatal for the whole process anyway.
    static uint64_t counter = 0;
    uint64_t v = ++counter ^ reinterpret_cast<uintptr_t>(&buf);
    for (size_t i = 0; i < bytes; ++i) buf[i] = static_cast<uint8_t>(v >> ((i % 8) * 8));
  }
  return crypto::to_hex(buf);
}

ChallengeAnswerer::ChallengeAnswerer(Credentials credentials) : credentials_(std::move(credentials)) {
  if (credentials_.usim && credentials_.usim->sqn_ms > 0) {
    // The USIM keeps one SEQ per IND slot; a USIM that has "seen SQN up to X" has seen it in
    // every slot, otherwise any vector landing in an empty slot would still look fresh.
    uint64_t seq = crypto::sqn_seq(credentials_.usim->sqn_ms, window_.scheme());
    for (uint64_t ind = 0; ind < (uint64_t{1} << window_.scheme().ind_bits); ++ind)
      window_.accept(crypto::make_sqn(seq, ind, window_.scheme()));
  }
}

bool ChallengeAnswerer::usable(const crypto::DigestAlgorithm& alg) const {
  if (alg.aka == crypto::DigestAka::kNone) return credentials_.password.has_value();
  return credentials_.usim.has_value();
}

std::string ChallengeAnswerer::initial_authorization(std::string_view uri) const {
  std::string v = "Digest username=";
  append_quoted(v, credentials_.impi);
  v += ", realm=";
  append_quoted(v, credentials_.realm);
  v += ", nonce=\"\", uri=";
  append_quoted(v, uri);
  v += ", response=\"\"";
  if (is_aka()) v += ", algorithm=AKAv1-MD5";
  return v;
}

Answer ChallengeAnswerer::answer(const sip::Message& response, std::string_view method, std::string_view uri,
                                 std::string_view body) {
  bool proxy = response.status_code() == 407;
  sip::HeaderId id = proxy ? sip::HeaderId::kProxyAuthenticate : sip::HeaderId::kWwwAuthenticate;
  std::vector<std::string> seen;
  for (const auto& h : response.headers()) {
    if (h.id != id) continue;
    auto ch = crypto::parse_digest_challenge(h.value);
    if (!ch.ok()) {
      seen.push_back("unusable challenge (" + ch.message() + ")");
      continue;
    }
    const auto& c = *ch;
    seen.push_back(crypto::digest_algorithm_name(c.algorithm) + " for realm \"" + c.realm + "\"");
    if (c.realm != credentials_.realm || !usable(c.algorithm)) continue;
    Accepted a;
    a.header_name = proxy ? "Proxy-Authorization" : "Authorization";
    a.realm = c.realm;
    a.nonce = c.nonce;
    a.opaque = c.opaque;
    a.algorithm = c.algorithm;
    if (c.qop_options.empty()) a.qop = "";
    else if (has(c.qop_options, "auth")) a.qop = "auth";
    else if (has(c.qop_options, "auth-int")) a.qop = "auth-int";
    else continue;
    Answer out;
    if (c.algorithm.aka != crypto::DigestAka::kNone) {
      out = answer_aka(std::move(a), method, uri, body);
    } else {
      a.ha1 = crypto::digest_ha1(c.algorithm.hash, credentials_.impi, credentials_.realm, *credentials_.password);
      last_ = std::move(a);
      out = compute(*last_, method, uri, body, {});
    }
    out.stale = c.stale;
    return out;
  }
  Answer out;
  out.status = AnswerStatus::kNoUsableChallenge;
  std::string offered;
  for (const auto& s : seen) offered += (offered.empty() ? "" : ", ") + s;
  out.error = "no challenge we can answer for realm \"" + credentials_.realm + "\" with " +
              (is_aka() ? "AKA keys" : "a password") + " (server offered: " +
              (offered.empty() ? "nothing" : offered) + ")";
  return out;
}

Answer ChallengeAnswerer::answer_aka(Accepted a, std::string_view method, std::string_view uri,
                                     std::string_view body) {
  Answer out;
  const UsimProfile& usim = *credentials_.usim;
  auto nonce = crypto::split_aka_nonce(a.nonce);
  if (!nonce.ok()) {
    out.status = AnswerStatus::kRefused;
    out.error = "AKA challenge with a malformed nonce: " + nonce.message();
    return out;
  }
  auto m = crypto::Milenage::from_opc(usim.k, usim.opc);
  if (!m) {
    out.status = AnswerStatus::kInternalError;
    out.error = "Milenage failed (OpenSSL)";
    return out;
  }
  const auto& n = *nonce;
  crypto::ClientAuthResult r = crypto::client_authenticate(*m, n.rand, n.autn, window_);
  switch (r.status) {
    case crypto::AutnStatus::kMacFailure:
      out.status = AnswerStatus::kNetworkAuthFailed;
      out.error = "network failed to authenticate (MAC mismatch): the challenge's AUTN was not made with our K";
      return out;
    case crypto::AutnStatus::kAmfRejected:
    case crypto::AutnStatus::kInternalError:
      out.status = AnswerStatus::kInternalError;
      out.error = "AKA: " + std::string(crypto::autn_status_name(r.status));
      return out;
    case crypto::AutnStatus::kSyncFailure: {
      a.ha1.clear();
      // RFC 3310 3.4: the resync answer carries AUTS; its response uses an empty password.
      auto ha1 = crypto::aka_ha1(a.algorithm.aka, credentials_.impi, a.realm, {}, r.ik, r.ck);
      if (!ha1) {
        out.status = AnswerStatus::kInternalError;
        out.error = "AKA: cannot compute the resync response";
        return out;
      }
      a.ha1 = *ha1;
      last_.reset();
      Answer resync = compute(a, method, uri, body, crypto::encode_auts(r.auts));
      if (resync.status == AnswerStatus::kOk) resync.status = AnswerStatus::kResync;
      return resync;
    }
    case crypto::AutnStatus::kOk:
      break;
  }
  crypto::Amf amf{n.autn[6], n.autn[7]};
  if (usim.expected_amf && amf != *usim.expected_amf) {
    out.status = AnswerStatus::kRefused;
    out.error = "AKA challenge with AMF " + crypto::to_hex(amf) + ", expected " + crypto::to_hex(*usim.expected_amf);
    return out;
  }
  auto ha1 = crypto::aka_ha1(a.algorithm.aka, credentials_.impi, a.realm, r.res, r.ik, r.ck);
  if (!ha1) {
    out.status = AnswerStatus::kInternalError;
    out.error = "AKA: cannot derive the digest password";
    return out;
  }
  a.ha1 = *ha1;
  last_ = std::move(a);
  return compute(*last_, method, uri, body, {});
}

std::optional<Answer> ChallengeAnswerer::reuse(std::string_view method, std::string_view uri, std::string_view body) {
  if (!last_) return std::nullopt;
  return compute(*last_, method, uri, body, {});
}

Answer ChallengeAnswerer::compute(Accepted& a, std::string_view method, std::string_view uri, std::string_view body,
                                  std::string_view auts) {
  Answer out;
  std::string cnonce = random_token(12);
  std::string nc = nc_text(++a.nc);
  crypto::DigestInput in;
  in.algorithm = a.algorithm;
  in.ha1 = a.ha1;
  in.method = method;
  in.uri = uri;
  in.nonce = a.nonce;
  in.qop = a.qop;
  in.nc = a.qop.empty() ? std::string_view() : std::string_view(nc);
  in.cnonce = a.qop.empty() && !a.algorithm.session ? std::string_view() : std::string_view(cnonce);
  in.body = body;
  auto response = crypto::digest_response(in);
  if (!response.ok()) {
    out.status = AnswerStatus::kInternalError;
    out.error = "digest computation failed: " + response.message();
    return out;
  }
  std::string v = "Digest username=";
  append_quoted(v, credentials_.impi);
  v += ", realm=";
  append_quoted(v, a.realm);
  v += ", nonce=";
  append_quoted(v, a.nonce);
  v += ", uri=";
  append_quoted(v, uri);
  v += ", response=";
  append_quoted(v, *response);
  v += ", algorithm=" + crypto::digest_algorithm_name(a.algorithm);
  if (!in.cnonce.empty()) {
    v += ", cnonce=";
    append_quoted(v, cnonce);
  }
  if (!a.qop.empty()) v += ", qop=" + a.qop + ", nc=" + nc;
  if (!a.opaque.empty()) {
    v += ", opaque=";
    append_quoted(v, a.opaque);
  }
  if (!auts.empty()) {
    v += ", auts=";
    append_quoted(v, auts);
  }
  out.status = AnswerStatus::kOk;
  out.header_name = a.header_name;
  out.header_value = std::move(v);
  return out;
}

}  // namespace imsguard::client
