#include "sip/sdp.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "common/base64.h"

namespace imsguard::sip {
namespace {

// Concatenation without operator+ chains (GCC 12 -O3 reports a false -Wrestrict on them).
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ... + 0));
  (out.append(std::string_view(parts)), ...);
  return out;
}

// RFC 8866 token-char: visible ASCII except the separators "(),/:;<=>?@[\]
bool is_token_char(unsigned char c) {
  if (c < 0x21 || c > 0x7e) return false;
  switch (c) {
    case '"': case '(': case ')': case ',': case '/': case ':': case ';': case '<':
    case '=': case '>': case '?': case '@': case '[': case '\\': case ']':
      return false;
    default:
      return true;
  }
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_token_char(static_cast<unsigned char>(c)); });
}

// non-ws-string: VCHAR / %x80-FF
bool is_word(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f;
  });
}

// byte-string: anything but NUL, CR, LF
bool is_text(std::string_view s) {
  return s.find_first_of(std::string_view("\0\r\n", 3)) == std::string_view::npos;
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  if (!is_digits(s)) return std::nullopt;
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Splits on single spaces; an empty field (double, leading or trailing space) is kept as
// "" so callers refuse it.
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    if (p == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
}

bool set_error(std::string* error, std::string msg) {
  if (error) *error = std::move(msg);
  return false;
}


bool parse_inline_key(std::string_view info, std::string_view suite, SdpCryptoKey& key, std::string* error) {
  auto parts = split(info, '|');
  if (parts.size() > 3) return set_error(error, "inline key has more than key|lifetime|mki");
  key.key_salt = std::string(parts[0]);
  auto decoded = base64_decode(parts[0]);
  if (parts[0].empty() || !decoded) return set_error(error, "inline key is not valid base64");
  if (auto want = srtp_key_salt_length(suite); want && decoded->size() != *want) {
    return set_error(error, cat("inline key decodes to ", std::to_string(decoded->size()), " bytes, ", suite,
                                " needs ", std::to_string(*want)));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view f = parts[i];
    size_t colon = f.find(':');
    if (colon != std::string_view::npos) {
      // MKI: value ":" length; it must come last.
      if (i + 1 != parts.size()) return set_error(error, "MKI must be the last key field");
      auto value = parse_number<uint64_t>(f.substr(0, colon));
      auto length = parse_number<uint32_t>(f.substr(colon + 1));
      if (!value || !length || f.size() - colon - 1 > 3 || *length < 1 || *length > 128) {
        return set_error(error, cat("bad MKI '", f, "' (value:length, length 1..128)"));
      }
      if (*length < 8 && *value >= (uint64_t{1} << (8 * *length))) {
        return set_error(error, cat("MKI value ", std::to_string(*value), " does not fit in ",
                                    std::to_string(*length), " bytes"));
      }
      key.mki_value = value;
      key.mki_length = length;
    } else {
      if (i != 1) return set_error(error, "lifetime must precede the MKI");
      key.lifetime = std::string(f);
      if (!key.lifetime_packets() || *key.lifetime_packets() == 0) {
        return set_error(error, cat("bad key lifetime '", f, "'"));
      }
    }
  }
  return true;
}

bool is_direction(std::string_view name) {
  return name == "sendrecv" || name == "sendonly" || name == "recvonly" || name == "inactive";
}

// Which line types may appear where, as ranks that must not decrease (RFC 8866 section 9).
int session_rank(char type) {
  switch (type) {
    case 'v': return 0;
    case 'o': return 1;
    case 's': return 2;
    case 'i': return 3;
    case 'u': return 4;
    case 'e': return 5;
    case 'p': return 6;
    case 'c': return 7;
    case 'b': return 8;
    case 't': case 'r': return 9;
    case 'z': return 10;
    case 'k': return 11;
    case 'a': return 12;
    default: return -1;
  }
}

int media_rank(char type) {
  switch (type) {
    case 'i': return 1;
    case 'c': return 2;
    case 'b': return 3;
    case 'k': return 4;
    case 'a': return 5;
    default: return -1;
  }
}

// Parses one session description; members hold the position so errors carry a line.
class Parser {
 public:
  explicit Parser(const SdpLimits& limits) : limits_(limits) {}

  StatusOr<Sdp> run(std::string_view text) {
    if (text.size() > limits_.max_bytes) {
      return invalid_argument(cat("SDP of ", std::to_string(text.size()), " bytes exceeds the limit of ",
                                  std::to_string(limits_.max_bytes)));
    }
    std::vector<std::string_view> lines;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      if (nl != std::string_view::npos && !line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines.push_back(line);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      if (lines.size() > limits_.max_lines) {
        return invalid_argument(cat("more than ", std::to_string(limits_.max_lines), " lines"));
      }
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    if (lines.empty()) {
      return invalid_argument("empty SDP");
    }
    Sdp sdp;
    for (size_t i = 0; i < lines.size(); ++i) {
      line_no_ = i + 1;
      if (!line(sdp, lines[i])) break;
    }
    if (error_.empty()) finish(sdp);
    if (!error_.empty()) {
      return invalid_argument(error_line_ ? cat("line ", std::to_string(error_line_), ": ", error_) : error_);
    }
    return sdp;
  }

 private:
  bool fail(std::string msg) {
    error_ = std::move(msg);
    error_line_ = line_no_;
    return false;
  }

  bool line(Sdp& sdp, std::string_view l) {
    if (l.empty()) return fail("empty line");
    if (l.size() < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z') return fail("expected <type>=<value>");
    std::string_view v = l.substr(2);
    if (!is_text(v)) return fail("control character (NUL or CR) in line");
    char type = l[0];
    if (line_no_ == 1 && type != 'v') return fail("an SDP must start with v=");
    if (line_no_ == 2 && type != 'o') return fail("o= must follow v=");
    if (line_no_ == 3 && type != 's') return fail("s= must follow o=");
    if (type == 'm') return media_line(sdp, v);
    return in_media_ ? media_field(sdp.media.back(), type, v) : session_field(sdp, type, v);
  }

  bool order(int rank, char type, bool singleton) {
    if (rank < 0) return fail(std::string("unknown or misplaced line type '") + type + "='");
    if (rank < rank_) return fail(std::string("'") + type + "=' out of order (RFC 8866 section 9)");
    if (rank == rank_ && singleton && type == last_type_) return fail(std::string("repeated '") + type + "='");
    rank_ = rank;
    last_type_ = type;
    return true;
  }

  bool session_field(Sdp& sdp, char type, std::string_view v) {
    bool singleton = std::string_view("vosiuczk").find(type) != std::string_view::npos;
    if (!order(session_rank(type), type, singleton)) return false;
    switch (type) {
      case 'v':
        if (v != "0") return fail(cat("unsupported SDP version '", v, "'"));
        return true;
      case 'o': {
        auto f = split(v, ' ');
        if (f.size() != 6) return fail("o= needs 6 fields: username sess-id sess-version nettype addrtype address");
        if (!is_word(f[0])) return fail("bad o= username");
        if (!is_digits(f[1]) || !is_digits(f[2])) return fail("o= sess-id and sess-version must be digits");
        if (!is_token(f[3]) || !is_token(f[4]) || !is_word(f[5])) return fail("bad o= nettype, addrtype or address");
        sdp.origin = SdpOrigin{std::string(f[0]), std::string(f[1]), std::string(f[2]),
                               std::string(f[3]), std::string(f[4]), std::string(f[5])};
        return true;
      }
      case 's':
        if (v.empty()) return fail("s= must not be empty (use \"s=-\")");
        sdp.session_name = std::string(v);
        return true;
      case 'i':
        sdp.information = std::string(v);
        return true;
      case 'u':
        if (!is_word(v)) return fail("bad u= URI");
        sdp.uri = std::string(v);
        return true;
      case 'e':
        if (v.empty()) return fail("empty e=");
        sdp.emails.emplace_back(v);
        return true;
      case 'p':
        if (v.empty()) return fail("empty p=");
        sdp.phones.emplace_back(v);
        return true;
      case 'c': {
        SdpConnection c;
        if (!connection(v, c)) return false;
        sdp.connection = std::move(c);
        return true;
      }
      case 'b': {
        SdpBandwidth b;
        if (!bandwidth(v, b)) return false;
        sdp.bandwidths.push_back(std::move(b));
        return true;
      }
      case 't': {
        auto f = split(v, ' ');
        std::optional<uint64_t> start, stop;
        if (f.size() == 2) {
          start = parse_number<uint64_t>(f[0]);
          stop = parse_number<uint64_t>(f[1]);
        }
        if (!start || !stop) return fail("t= needs two decimal times: <start> <stop>");
        if (!seen_timing_) sdp.timings.clear();
        seen_timing_ = true;
        sdp.timings.push_back(SdpTiming{*start, *stop, {}});
        return true;
      }
      case 'r':
        if (!seen_timing_) return fail("r= without a preceding t=");
        if (v.empty()) return fail("empty r=");
        sdp.timings.back().repeats.emplace_back(v);
        return true;
      case 'z':
        if (v.empty()) return fail("empty z=");
        sdp.zone = std::string(v);
        return true;
      case 'k':
        sdp.key = std::string(v);
        return true;
      case 'a':
        return attribute(sdp.attributes, v);
    }
    return fail("unreachable");
  }

  bool media_field(SdpMedia& m, char type, std::string_view v) {
    if (!order(media_rank(type), type, type == 'i' || type == 'k')) return false;
    switch (type) {
      case 'i':
        m.information = std::string(v);
        return true;
      case 'c': {
        SdpConnection c;
        if (!connection(v, c)) return false;
        m.connections.push_back(std::move(c));
        return true;
      }
      case 'b': {
        SdpBandwidth b;
        if (!bandwidth(v, b)) return false;
        m.bandwidths.push_back(std::move(b));
        return true;
      }
      case 'k':
        m.key = std::string(v);
        return true;
      case 'a':
        return attribute(m.attributes, v);
    }
    return fail("unreachable");
  }

  bool media_line(Sdp& sdp, std::string_view v) {
    if (!seen_timing_) return fail("m= before any t= line");
    if (sdp.media.size() >= limits_.max_media) {
      return fail(cat("more than ", std::to_string(limits_.max_media), " media sections"));
    }
    if (!level_done(sdp)) return false;
    auto f = split(v, ' ');
    if (f.size() < 4) return fail("m= needs <media> <port> <proto> <fmt> ...");
    SdpMedia m;
    if (!is_token(f[0])) return fail("bad m= media type");
    m.media = std::string(f[0]);
    std::string_view port = f[1];
    size_t slash = port.find('/');
    if (slash != std::string_view::npos) {
      auto count = parse_number<uint32_t>(port.substr(slash + 1));
      if (!count || *count == 0) return fail("bad m= port count");
      m.port_count = count;
      port = port.substr(0, slash);
    }
    auto p = parse_number<uint32_t>(port);
    if (!p || *p > 65535) return fail(cat("bad m= port '", f[1], "'"));
    m.port = static_cast<uint16_t>(*p);
    for (auto part : split(f[2], '/')) {
      if (!is_token(part)) return fail(cat("bad m= proto '", f[2], "'"));
    }
    m.proto = std::string(f[2]);
    bool rtp = m.proto.find("RTP/") != std::string::npos;
    for (size_t i = 3; i < f.size(); ++i) {
      if (!is_token(f[i])) return fail(cat("bad m= format '", f[i], "'"));
      if (rtp) {
        auto pt = parse_number<uint32_t>(f[i]);
        if (!pt || *pt > 127) return fail(cat("RTP payload type '", f[i], "' is not 0..127"));
      }
      m.formats.emplace_back(f[i]);
    }
    sdp.media.push_back(std::move(m));
    in_media_ = true;
    rank_ = 0;
    last_type_ = 'm';
    return true;
  }

  bool connection(std::string_view v, SdpConnection& c) {
    auto f = split(v, ' ');
    if (f.size() != 3) return fail("c= needs 3 fields: nettype addrtype address");
    if (!is_token(f[0]) || !is_token(f[1]) || !is_word(f[2])) return fail("bad c= field");
    c = SdpConnection{std::string(f[0]), std::string(f[1]), std::string(f[2])};
    if (c.host().empty()) return fail("c= address is empty");
    return true;
  }

  bool bandwidth(std::string_view v, SdpBandwidth& b) {
    size_t colon = v.find(':');
    auto value = colon == std::string_view::npos ? std::nullopt : parse_number<uint64_t>(v.substr(colon + 1));
    if (!value || !is_token(v.substr(0, colon))) return fail("b= must be <bwtype>:<bandwidth>");
    b = SdpBandwidth{std::string(v.substr(0, colon)), *value};
    return true;
  }

  bool attribute(SdpAttributes& attrs, std::string_view v) {
    size_t colon = v.find(':');
    std::string_view name = v.substr(0, colon);
    if (!is_token(name)) return fail(cat("bad attribute name '", name, "'"));
    std::optional<std::string_view> value;
    if (colon != std::string_view::npos) value = v.substr(colon + 1);
    if (name == "rtpmap") {
      if (!value) return fail("bad a=rtpmap: no value");
      if (auto r = parse_rtpmap(*value); !r.ok()) return fail(cat("bad a=rtpmap: ", r.message()));
    } else if (name == "crypto") {
      if (!value) return fail("bad a=crypto: no value");
      auto c = parse_crypto(*value);
      if (!c.ok()) return fail(cat("bad a=crypto: ", c.message()));
      if (!crypto_tags_.insert(c->tag).second) return fail(cat("a=crypto tag ", std::to_string(c->tag), " repeated"));
    } else if (name == "fingerprint") {
      if (!value) return fail("bad a=fingerprint: no value");
      if (auto f = parse_fingerprint(*value); !f.ok()) return fail(cat("bad a=fingerprint: ", f.message()));
    } else if (name == "setup") {
      if (!value || !parse_setup(*value)) return fail("a=setup must be active, passive, actpass or holdconn");
      if (attrs.has("setup")) return fail("repeated a=setup");
    } else if (name == "rtcp-mux" || is_direction(name)) {
      if (value) return fail(cat("a=", name, " takes no value"));
      if (is_direction(name) && attrs.direction()) return fail("more than one direction attribute");
      if (name == "rtcp-mux" && attrs.rtcp_mux()) return fail("repeated a=rtcp-mux");
    }
    attrs.add(std::string(name), value ? std::optional<std::string>(std::string(*value)) : std::nullopt);
    return true;
  }

  // Checks that close a level (session, or a media section) before the next one.
  // Checks that close a media section, before the next m= or at the end.
  bool level_done(const Sdp& sdp) {
    crypto_tags_.clear();
    if (in_media_ && !sdp.connection && sdp.media.back().connections.empty()) {
      // RFC 8866 5.7: without a session c=, every media section needs its own.
      line_no_ = media_line_no_;
      return fail("media section has no c= and there is no session-level c=");
    }
    media_line_no_ = line_no_;
    return true;
  }

  void finish(const Sdp& sdp) {
    if (rank_ < 2 && !in_media_) {
      line_no_ = 0;
      fail("incomplete SDP: needs v=, o=, s= and t=");
    } else if (!seen_timing_) {
      line_no_ = 0;
      fail("no t= line");
    } else {
      level_done(sdp);
    }
  }

  const SdpLimits& limits_;
  size_t line_no_ = 0;
  size_t media_line_no_ = 0;
  size_t error_line_ = 0;
  std::string error_;
  bool in_media_ = false;
  bool seen_timing_ = false;
  int rank_ = -1;
  char last_type_ = 0;
  std::set<uint32_t> crypto_tags_;
};

bool write_error(std::string& error, std::string_view what) {
  if (error.empty()) error = cat("cannot write ", what);
  return false;
}

// Serializer with per-field checks: a rewritten value must never add or split lines.
class Writer {
 public:
  void line(char type, std::string_view value) {
    if (!is_text(value)) write_error(error_, cat(std::string_view(&type, 1), "= (CR, LF or NUL in value)"));
    out_ += type;
    out_ += '=';
    out_ += value;
    out_ += "\r\n";
  }
  std::string_view word(std::string_view s, std::string_view what) {
    if (!is_word(s)) write_error(error_, cat(what, " (empty or contains whitespace)"));
    return s;
  }
  void attributes(const SdpAttributes& attrs) {
    for (const auto& a : attrs.items()) {
      if (!is_token(a.name)) write_error(error_, cat("attribute name '", a.name, "'"));
      line('a', a.value ? cat(a.name, ":", *a.value) : a.name);
    }
  }
  std::string connection(const SdpConnection& c) {
    return cat(word(c.nettype, "c= nettype"), " ", word(c.addrtype, "c= addrtype"), " ", word(c.address, "c= address"));
  }
  std::string bandwidth(const SdpBandwidth& b) {
    if (!is_token(b.type)) write_error(error_, "b= type");
    return cat(b.type, ":", std::to_string(b.value));
  }

  std::string out_;
  std::string error_;
};

}  // namespace

std::string_view SdpConnection::host() const {
  return std::string_view(address).substr(0, address.find('/'));
}

std::string_view setup_name(SdpSetup s) {
  switch (s) {
    case SdpSetup::kActive: return "active";
    case SdpSetup::kPassive: return "passive";
    case SdpSetup::kActpass: return "actpass";
    case SdpSetup::kHoldconn: return "holdconn";
  }
  return "actpass";
}

std::string_view direction_name(SdpDirection d) {
  switch (d) {
    case SdpDirection::kSendRecv: return "sendrecv";
    case SdpDirection::kSendOnly: return "sendonly";
    case SdpDirection::kRecvOnly: return "recvonly";
    case SdpDirection::kInactive: return "inactive";
  }
  return "sendrecv";
}

std::optional<size_t> srtp_key_salt_length(std::string_view suite) {
  struct Entry {
    std::string_view name;
    size_t length;
  };
  static constexpr std::array<Entry, 10> kSuites{{
      {"AES_CM_128_HMAC_SHA1_80", 30},
      {"AES_CM_128_HMAC_SHA1_32", 30},
      {"F8_128_HMAC_SHA1_80", 30},
      {"AES_192_CM_HMAC_SHA1_80", 38},
      {"AES_192_CM_HMAC_SHA1_32", 38},
      {"AES_256_CM_HMAC_SHA1_80", 46},
      {"AES_256_CM_HMAC_SHA1_32", 46},
      {"AEAD_AES_128_GCM", 28},
      {"AEAD_AES_256_GCM", 44},
      {"AES_CM_128_NULL_AUTH", 30},
  }};
  for (const auto& e : kSuites) {
    if (e.name == suite) return e.length;
  }
  return std::nullopt;
}

std::optional<std::vector<uint8_t>> SdpCryptoKey::decode_key_salt() const {
  if (method != "inline") return std::nullopt;
  if (key_salt.empty()) return std::nullopt;
  return base64_decode(key_salt);
}

std::optional<uint64_t> SdpCryptoKey::lifetime_packets() const {
  if (!lifetime) return std::nullopt;
  std::string_view l = *lifetime;
  if (l.substr(0, 2) == "2^") {
    auto n = parse_number<uint32_t>(l.substr(2));
    if (!n || *n > 63) return std::nullopt;
    return uint64_t{1} << *n;
  }
  return parse_number<uint64_t>(l);
}

std::optional<std::vector<uint8_t>> SdpFingerprint::bytes() const {
  std::vector<uint8_t> out;
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (auto pair : split(value, ':')) {
    if (pair.size() != 2) return std::nullopt;
    int hi = hexval(pair[0]);
    int lo = hexval(pair[1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

StatusOr<SdpRtpMap> parse_rtpmap(std::string_view value) {
  size_t sp = value.find(' ');
  if (sp == std::string_view::npos) {
    return invalid_argument("expected <payload type> <encoding>/<clock rate>");
  }
  auto pt = parse_number<uint32_t>(value.substr(0, sp));
  if (!pt || *pt > 127) {
    return invalid_argument("payload type must be 0..127");
  }
  SdpRtpMap r;
  r.payload_type = static_cast<uint8_t>(*pt);
  auto parts = split(value.substr(sp + 1), '/');
  if (parts.size() > 3 || !is_token(parts[0])) {
    return invalid_argument("expected <encoding>/<clock rate>[/<parameters>]");
  }
  r.encoding = std::string(parts[0]);
  if (parts.size() >= 2) {
    auto rate = parse_number<uint32_t>(parts[1]);
    if (!rate || *rate == 0) {
      return invalid_argument(cat("bad clock rate '", parts[1], "'"));
    }
    r.clock_rate = rate;
  }
  if (parts.size() == 3) {
    if (!is_token(parts[2])) {
      return invalid_argument("bad encoding parameters");
    }
    r.encoding_params = std::string(parts[2]);
  }
  return r;
}

StatusOr<SdpCrypto> parse_crypto(std::string_view value) {
  auto f = split(value, ' ');
  if (f.size() < 3) {
    return invalid_argument("expected <tag> <crypto-suite> <key-params> [<session-params>]");
  }
  SdpCrypto c;
  auto tag = parse_number<uint32_t>(f[0]);
  if (!tag || f[0].size() > 9) {
    return invalid_argument("tag must be 1 to 9 digits");
  }
  c.tag = *tag;
  if (f[1].empty() || !std::all_of(f[1].begin(), f[1].end(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
      })) {
    return invalid_argument(cat("bad crypto-suite '", f[1], "'"));
  }
  c.suite = std::string(f[1]);
  for (auto kp : split(f[2], ';')) {
    size_t colon = kp.find(':');
    if (colon == std::string_view::npos || !is_token(kp.substr(0, colon)) || colon + 1 == kp.size()) {
      return invalid_argument("key-param must be <method>:<key-info>");
    }
    SdpCryptoKey key;
    key.method = std::string(kp.substr(0, colon));
    std::string_view info = kp.substr(colon + 1);
    if (!is_word(info)) {
      return invalid_argument("bad key-info");
    }
    if (key.method == "inline") {
      std::string why;
      if (!parse_inline_key(info, c.suite, key, &why)) return invalid_argument(std::move(why));
    } else {
      key.key_salt = std::string(info);
    }
    c.keys.push_back(std::move(key));
  }
  if (c.keys.size() > 1) {
    // RFC 4568 6.1: several master keys are told apart by MKIs of one length.
    std::set<uint64_t> mkis;
    for (const auto& k : c.keys) {
      if (!k.mki_value || k.mki_length != c.keys[0].mki_length || !mkis.insert(*k.mki_value).second) {
        return invalid_argument("several keys need distinct MKIs of the same length");
      }
    }
  }
  for (size_t i = 3; i < f.size(); ++i) {
    if (!is_word(f[i])) {
      return invalid_argument("bad session parameter");
    }
    c.session_params.emplace_back(f[i]);
  }
  return c;
}

StatusOr<SdpFingerprint> parse_fingerprint(std::string_view value) {
  size_t sp = value.find(' ');
  if (sp == std::string_view::npos || !is_token(value.substr(0, sp))) {
    return invalid_argument("expected <hash-func> <fingerprint>");
  }
  SdpFingerprint fp{std::string(value.substr(0, sp)), std::string(value.substr(sp + 1))};
  if (!fp.bytes()) {
    return invalid_argument("fingerprint must be hex pairs separated by ':'");
  }
  return fp;
}

std::optional<SdpSetup> parse_setup(std::string_view value) {
  for (auto s : {SdpSetup::kActive, SdpSetup::kPassive, SdpSetup::kActpass, SdpSetup::kHoldconn}) {
    if (value == setup_name(s)) return s;
  }
  return std::nullopt;
}

std::string format_rtpmap(const SdpRtpMap& r) {
  std::string out = cat(std::to_string(r.payload_type), " ", r.encoding);
  if (r.clock_rate) out += cat("/", std::to_string(*r.clock_rate));
  if (r.encoding_params) out += cat("/", *r.encoding_params);
  return out;
}

std::string format_crypto(const SdpCrypto& c) {
  std::string out = cat(std::to_string(c.tag), " ", c.suite, " ");
  for (size_t i = 0; i < c.keys.size(); ++i) {
    const auto& k = c.keys[i];
    if (i) out += ';';
    out += cat(k.method, ":", k.key_salt);
    if (k.lifetime) out += cat("|", *k.lifetime);
    if (k.mki_value && k.mki_length) out += cat("|", std::to_string(*k.mki_value), ":", std::to_string(*k.mki_length));
  }
  for (const auto& p : c.session_params) out += cat(" ", p);
  return out;
}

std::string format_fingerprint(const SdpFingerprint& f) { return cat(f.hash, " ", f.value); }

bool SdpAttributes::has(std::string_view name) const { return find(name) != nullptr; }

const SdpAttribute* SdpAttributes::find(std::string_view name) const {
  for (const auto& a : items_) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::vector<std::string_view> SdpAttributes::values(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& a : items_) {
    if (a.name == name) out.push_back(a.value ? std::string_view(*a.value) : std::string_view());
  }
  return out;
}

void SdpAttributes::add(std::string name, std::optional<std::string> value) {
  items_.push_back(SdpAttribute{std::move(name), std::move(value)});
}

size_t SdpAttributes::remove(std::string_view name) {
  size_t before = items_.size();
  std::erase_if(items_, [&](const SdpAttribute& a) { return a.name == name; });
  return before - items_.size();
}

std::vector<SdpRtpMap> SdpAttributes::rtpmaps() const {
  std::vector<SdpRtpMap> out;
  for (auto v : values("rtpmap")) {
    if (auto r = parse_rtpmap(v); r.ok()) out.push_back(std::move(r).value());
  }
  return out;
}

std::optional<SdpRtpMap> SdpAttributes::rtpmap(uint8_t payload_type) const {
  for (auto& r : rtpmaps()) {
    if (r.payload_type == payload_type) return r;
  }
  return std::nullopt;
}

std::vector<SdpCrypto> SdpAttributes::cryptos() const {
  std::vector<SdpCrypto> out;
  for (auto v : values("crypto")) {
    if (auto c = parse_crypto(v); c.ok()) out.push_back(std::move(c).value());
  }
  return out;
}

std::optional<SdpFingerprint> SdpAttributes::fingerprint() const {
  for (auto v : values("fingerprint")) {
    if (auto f = parse_fingerprint(v); f.ok()) return std::move(f).value();
  }
  return std::nullopt;
}

std::optional<SdpSetup> SdpAttributes::setup() const {
  const SdpAttribute* a = find("setup");
  if (!a || !a->value) return std::nullopt;
  return parse_setup(*a->value);
}

std::optional<SdpDirection> SdpAttributes::direction() const {
  for (const auto& a : items_) {
    for (auto d : {SdpDirection::kSendRecv, SdpDirection::kSendOnly, SdpDirection::kRecvOnly, SdpDirection::kInactive}) {
      if (a.name == direction_name(d)) return d;
    }
  }
  return std::nullopt;
}

void SdpAttributes::set_direction(SdpDirection d) {
  for (auto& a : items_) {
    if (is_direction(a.name)) {
      a.name = std::string(direction_name(d));
      a.value.reset();
      std::erase_if(items_, [&](const SdpAttribute& other) { return &other != &a && is_direction(other.name); });
      return;
    }
  }
  add(std::string(direction_name(d)));
}

void SdpAttributes::set_setup(SdpSetup s) {
  for (auto& a : items_) {
    if (a.name == "setup") {
      a.value = std::string(setup_name(s));
      return;
    }
  }
  add("setup", std::string(setup_name(s)));
}

void SdpAttributes::set_rtcp_mux(bool on) {
  if (!on) {
    remove("rtcp-mux");
  } else if (!rtcp_mux()) {
    add("rtcp-mux");
  }
}

bool SdpMedia::is_secure_rtp() const {
  std::string_view p = proto;
  return p.ends_with("RTP/SAVP") || p.ends_with("RTP/SAVPF");
}

const SdpConnection* Sdp::connection_for(const SdpMedia& m) const {
  if (!m.connections.empty()) return &m.connections.front();
  return connection ? &*connection : nullptr;
}

SdpDirection Sdp::direction_for(const SdpMedia& m) const {
  if (auto d = m.attributes.direction()) return *d;
  if (auto d = attributes.direction()) return *d;
  return SdpDirection::kSendRecv;
}

StatusOr<Sdp> parse_sdp(std::string_view text, const SdpLimits& limits) { return Parser(limits).run(text); }

StatusOr<std::string> write_sdp(const Sdp& sdp) {
  Writer w;
  w.line('v', "0");
  const auto& o = sdp.origin;
  if (!is_digits(o.session_id) || !is_digits(o.session_version)) write_error(w.error_, "o= (sess-id/version not digits)");
  w.line('o', cat(w.word(o.username, "o= username"), " ", o.session_id, " ", o.session_version, " ",
                  w.word(o.nettype, "o= nettype"), " ", w.word(o.addrtype, "o= addrtype"), " ",
                  w.word(o.address, "o= address")));
  if (sdp.session_name.empty()) write_error(w.error_, "s= (empty)");
  w.line('s', sdp.session_name);
  if (sdp.information) w.line('i', *sdp.information);
  if (sdp.uri) w.line('u', *sdp.uri);
  for (const auto& e : sdp.emails) w.line('e', e);
  for (const auto& p : sdp.phones) w.line('p', p);
  if (sdp.connection) w.line('c', w.connection(*sdp.connection));
  for (const auto& b : sdp.bandwidths) w.line('b', w.bandwidth(b));
  if (sdp.timings.empty()) write_error(w.error_, "an SDP without t=");
  for (const auto& t : sdp.timings) {
    w.line('t', cat(std::to_string(t.start), " ", std::to_string(t.stop)));
    for (const auto& r : t.repeats) w.line('r', r);
  }
  if (sdp.zone) w.line('z', *sdp.zone);
  if (sdp.key) w.line('k', *sdp.key);
  w.attributes(sdp.attributes);
  for (const auto& m : sdp.media) {
    std::string ml = cat(w.word(m.media, "m= media"), " ", std::to_string(m.port));
    if (m.port_count) ml += cat("/", std::to_string(*m.port_count));
    ml += cat(" ", w.word(m.proto, "m= proto"));
    if (m.formats.empty()) write_error(w.error_, "m= without formats");
    for (const auto& f : m.formats) ml += cat(" ", w.word(f, "m= format"));
    w.line('m', ml);
    if (m.information) w.line('i', *m.information);
    for (const auto& c : m.connections) w.line('c', w.connection(c));
    for (const auto& b : m.bandwidths) w.line('b', w.bandwidth(b));
    if (m.key) w.line('k', *m.key);
    w.attributes(m.attributes);
  }
  if (!w.error_.empty()) return invalid_argument(std::move(w.error_));
  return std::move(w.out_);
}

}  // namespace imsguard::sip
