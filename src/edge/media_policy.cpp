#include "edge/media_policy.h"

#include "sip/sdp.h"

#include <algorithm>
#include <cctype>

namespace imsguard::edge {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The boundary parameter of a multipart Content-Type value.
std::string_view boundary_of(std::string_view content_type) {
  std::string l = lower(content_type);
  size_t at = l.find("boundary=");
  if (at == std::string::npos) return {};
  std::string_view rest = content_type.substr(at + 9);
  rest = rest.substr(0, rest.find(';'));
  return trim(rest);
}

// The first part of a multipart body whose Content-Type is application/sdp.
std::string_view sdp_part(std::string_view body, std::string_view boundary) {
  if (boundary.empty()) return {};
  std::string delimiter = "--" + std::string(boundary);
  size_t at = body.find(delimiter);
  while (at != std::string_view::npos) {
    size_t start = body.find('\n', at);
    if (start == std::string_view::npos) return {};
    ++start;
    size_t next = body.find(delimiter, start);
    std::string_view part = body.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
    size_t blank = part.find("\r\n\r\n");
    size_t skip = 4;
    if (blank == std::string_view::npos) {
      blank = part.find("\n\n");
      skip = 2;
    }
    if (blank != std::string_view::npos) {
      std::string headers = lower(part.substr(0, blank));
      size_t ct = headers.find("content-type:");
      if (ct != std::string::npos) {
        std::string_view value = std::string_view(headers).substr(ct + 13);
        value = trim(value.substr(0, value.find_first_of(";\r\n")));
        if (value == "application/sdp") {
          std::string_view sdp = part.substr(blank + skip);
          while (!sdp.empty() && (sdp.back() == '\n' || sdp.back() == '\r')) sdp.remove_suffix(1);
          return sdp;
        }
      }
    }
    at = next;
  }
  return {};
}

struct MediaLine {
  std::string proto;
  bool active = false;
  bool crypto = false;
  bool fingerprint = false;
};

// Line by line, for a body the strict SDP parser refused: what a phone would still read.
std::vector<MediaLine> scan_lines(std::string_view sdp, bool& session_fingerprint) {
  std::vector<MediaLine> out;
  size_t at = 0;
  while (at < sdp.size()) {
    size_t end = sdp.find('\n', at);
    std::string_view line = sdp.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    at = end == std::string_view::npos ? sdp.size() : end + 1;
    line = trim(line);
    std::string l = lower(line);
    if (l.rfind("m=", 0) == 0) {
      MediaLine m;
      size_t s1 = l.find(' '), s2 = s1 == std::string::npos ? s1 : l.find(' ', s1 + 1);
      std::string port = s1 == std::string::npos ? "" : l.substr(s1 + 1, s2 == std::string::npos ? std::string::npos : s2 - s1 - 1);
      m.active = !port.empty() && port != "0" && port.rfind("0/", 0) != 0;
      if (s2 != std::string::npos) m.proto = std::string(line.substr(s2 + 1, line.find(' ', s2 + 1) - s2 - 1));
      out.push_back(m);
    } else if (l.rfind("a=crypto", 0) == 0) {
      if (!out.empty()) out.back().crypto = true;  // media level only (RFC 4568)
    } else if (l.rfind("a=fingerprint", 0) == 0) {
      if (out.empty()) session_fingerprint = true;
      else out.back().fingerprint = true;
    }
  }
  return out;
}

bool secure_proto(std::string_view proto) {
  std::string p = lower(proto);
  return p.find("savp") != std::string::npos;
}
bool dtls_proto(std::string_view proto) { return lower(proto).find("tls") != std::string::npos; }
bool rtp_proto(std::string_view proto) { return lower(proto).find("rtp") != std::string::npos; }

}  // namespace

std::string_view sdp_of(const sip::Message& msg) {
  if (msg.body().empty()) return {};
  std::string_view type = msg.content_type();
  if (iequals(type, "application/sdp")) return msg.body();
  if (type.size() > 10 && iequals(type.substr(0, 10), "multipart/")) {
    const sip::HeaderField* f = msg.find(sip::HeaderId::kContentType);
    if (!f) return {};
    return sdp_part(msg.body(), boundary_of(f->value));
  }
  return {};
}

MediaVerdict judge_sdp(std::string_view sdp, config::SrtpPolicy policy, bool sdes_usable) {
  MediaVerdict v;
  if (sdp.empty()) return v;
  v.has_sdp = true;
  std::vector<MediaLine> lines;
  bool session_fingerprint = false;
  if (auto parsed = sip::parse_sdp(sdp); parsed) {
    session_fingerprint = parsed->attributes.fingerprint().has_value();
    for (const auto& m : parsed->media)
      lines.push_back({m.proto, m.port != 0, !m.attributes.cryptos().empty(), m.attributes.fingerprint().has_value()});
  } else {
    lines = scan_lines(sdp, session_fingerprint);
  }
  bool any = false;
  media::Outcome weakest = media::Outcome::kSrtpDtls;
  auto rank = [](media::Outcome o) { return o == media::Outcome::kRtp ? 0 : o == media::Outcome::kSrtpSdes ? 1 : 2; };
  for (const auto& m : lines) {
    if (!m.active || !rtp_proto(m.proto)) continue;  // rejected streams and non-RTP media
    any = true;
    media::Outcome o = media::Outcome::kRtp;
    if ((m.fingerprint || session_fingerprint) && dtls_proto(m.proto)) o = media::Outcome::kSrtpDtls;
    else if (m.crypto && sdes_usable) o = media::Outcome::kSrtpSdes;
    if (o == media::Outcome::kRtp && secure_proto(m.proto)) {
      v.outcome = media::Outcome::kRefused;
      v.reason = m.crypto ? m.proto + " with SDES keys on a hop without TLS (the keys are never forwarded there)"
                          : m.proto + " without SRTP keying (no usable a=crypto, no a=fingerprint)";
      return v;
    }
    if (rank(o) < rank(weakest)) weakest = o;
  }
  if (!any) weakest = media::Outcome::kRtp;
  if (any && weakest == media::Outcome::kRtp && policy == config::SrtpPolicy::kMandatory) {
    v.outcome = media::Outcome::kRefused;
    v.reason = "media.srtp_policy is mandatory and the SDP has no SRTP keying (SDES over TLS, or DTLS-SRTP)";
    return v;
  }
  v.outcome = weakest;
  v.reason = any ? std::string(media::outcome_name(weakest)) : "no RTP stream";
  return v;
}

bool CallReports::first(std::string_view call_id) {
  std::lock_guard lock(mutex_);
  std::string key(call_id);
  if (seen_.count(key)) return false;
  if (order_.size() >= capacity_) {
    seen_.erase(order_.front());
    order_.pop_front();
  }
  seen_.insert(key);
  order_.push_back(std::move(key));
  return true;
}

}  // namespace imsguard::edge
