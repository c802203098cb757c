#include "sip/validation.h"

#include <algorithm>

#include "sip/lex.h"

namespace imsguard::sip {
namespace {

bool contains_ci(const std::vector<std::string>& set, std::string_view v) {
  return std::any_of(set.begin(), set.end(), [&](const std::string& s) { return iequals(s, v); });
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

Verdict bad(std::string reason) { return Verdict{400, std::move(reason), {}}; }

// Fields that occur at most once (RFC 3261 7.3.1: only list headers may repeat).
std::optional<Verdict> check_multiplicity(const Message& m) {
  static constexpr HeaderId kSingleLine[] = {HeaderId::kCallId, HeaderId::kCSeq,
                                             HeaderId::kMaxForwards, HeaderId::kContentType,
                                             HeaderId::kExpires};
  for (HeaderId id : kSingleLine) {
    if (m.count(id) > 1) return bad("Multiple " + std::string(header_name(id)) + " values");
  }
  for (HeaderId id : {HeaderId::kFrom, HeaderId::kTo}) {
    // Counts commas outside quotes/<> too: an unquoted "Bell, Alexander" is two values.
    size_t n = 0;
    for (const HeaderField& f : m.headers()) {
      if (f.id == id) split_list(f.value, [&](std::string_view) { ++n; });
    }
    if (n > 1) return bad("Multiple " + std::string(header_name(id)) + " values");
  }
  return std::nullopt;
}

bool valid_call_id(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

std::optional<Verdict> check_syntax(const Message& m, const ValidationPolicy& policy) {
  static constexpr HeaderId kRequired[] = {HeaderId::kVia, HeaderId::kFrom, HeaderId::kTo,
                                           HeaderId::kCallId, HeaderId::kCSeq};
  for (HeaderId id : kRequired) {
    if (!m.has(id)) return bad("Missing " + std::string(header_name(id)) + " header field");
  }
  if (auto v = check_multiplicity(m)) return v;
  if (!valid_call_id(m.call_id())) return bad("Malformed Call-ID");
  if (!m.cseq()) return bad("Malformed or out-of-range CSeq");
  if (m.has(HeaderId::kMaxForwards) && !m.max_forwards()) {
    return bad("Malformed or out-of-range Max-Forwards");
  }
  if (m.has(HeaderId::kExpires) && !m.expires()) return bad("Malformed or out-of-range Expires");
  if (!m.vias()) return bad("Malformed Via");
  auto from = parse_name_addr_checked(m.find(HeaderId::kFrom)->value);
  if (!from.value) return bad("Malformed From: " + std::string(from.error));
  auto to = parse_name_addr_checked(m.find(HeaderId::kTo)->value);
  if (!to.value) return bad("Malformed To: " + std::string(to.error));
  auto contacts = m.contacts();
  if (!contacts) return bad("Malformed Contact");
  for (const NameAddr& c : *contacts) {
    if (auto e = c.param("expires"); e && !parse_decimal(*e, 0xffffffffULL)) {
      return bad("Malformed or out-of-range Contact expires");
    }
    if (c.wildcard && (m.method() != Method::kRegister || contacts->size() != 1)) {
      return bad("Contact * is only allowed alone in REGISTER");
    }
  }
  for (HeaderId id : {HeaderId::kRoute, HeaderId::kRecordRoute, HeaderId::kPAssertedIdentity,
                      HeaderId::kPPreferredIdentity, HeaderId::kPath}) {
    if (!m.name_addrs(id)) return bad("Malformed " + std::string(header_name(id)));
  }
  if (policy.check_date) {
    if (const HeaderField* d = m.find(HeaderId::kDate)) {
      std::string_view v = d->value;
      if (v.size() < 4 || v.substr(v.size() - 4) != " GMT") return bad("Date must be in GMT");
    }
  }
  auto ruri = parse_uri(m.request_uri());
  if (!ruri) return bad("Malformed Request-URI");
  if (policy.reject_request_uri_headers && ruri->is_sip() && !ruri->headers.empty()) {
    return bad("Request-URI must not contain headers");
  }
  return std::nullopt;
}

// Unknown option tags listed in the given header.
std::vector<std::string> unsupported_options(const Message& m, HeaderId id,
                                             const ValidationPolicy& policy) {
  std::vector<std::string> out;
  m.for_each_value(id, [&](std::string_view tag) {
    if (!tag.empty() && !contains_ci(policy.extensions, tag)) out.emplace_back(tag);
  });
  return out;
}

// Whether an Accept element (type/subtype with optional params) admits type.
bool accept_matches(std::string_view element, std::string_view type) {
  std::string_view range = trim_lws(element.substr(0, element.find(';')));
  if (range == "*/*") return true;
  size_t slash = range.find('/');
  if (slash != std::string_view::npos && range.substr(slash + 1) == "*") {
    size_t tslash = type.find('/');
    return tslash != std::string_view::npos &&
           iequals(range.substr(0, slash), type.substr(0, tslash));
  }
  return iequals(range, type);
}

}  // namespace

std::optional<Verdict> check_request(const Message& m, const ValidationPolicy& policy) {
  if (!m.is_request()) return bad("Not a request");
  if (auto v = check_syntax(m, policy)) return v;

  CSeq cseq = *m.cseq();
  // Method names are case-sensitive: only an exact match is supported.
  if (std::find(policy.methods.begin(), policy.methods.end(), m.method_name()) ==
      policy.methods.end()) {
    return Verdict{501, "Not Implemented", {{"Allow", join(policy.methods)}}};
  }
  if (cseq.method != m.method_name()) return bad("CSeq method does not match the request method");

  auto ruri = parse_uri(m.request_uri());
  if (!contains_ci(policy.uri_schemes, ruri->scheme)) {
    return Verdict{416, "Unsupported URI Scheme", {}};
  }

  if (policy.role == Role::kProxy) {
    if (auto mf = m.max_forwards(); mf && *mf == 0) return Verdict{483, "Too Many Hops", {}};
    auto unknown = unsupported_options(m, HeaderId::kProxyRequire, policy);
    if (!unknown.empty()) return Verdict{420, "Bad Extension", {{"Unsupported", join(unknown)}}};
    return std::nullopt;
  }

  if (policy.role == Role::kRegistrar && m.method() == Method::kRegister) {
    if (!m.to()->uri.is_sip()) return bad("Address-of-record must be a SIP or SIPS URI");
  }
  if (m.method() != Method::kAck && m.method() != Method::kCancel) {
    auto unknown = unsupported_options(m, HeaderId::kRequire, policy);
    if (!unknown.empty()) return Verdict{420, "Bad Extension", {{"Unsupported", join(unknown)}}};
  }
  if (!m.body().empty()) {
    std::string_view type = m.content_type();
    if (type.empty()) return bad("Missing Content-Type for a message body");
    if (!contains_ci(policy.content_types, type)) {
      return Verdict{415, "Unsupported Media Type", {{"Accept", join(policy.content_types)}}};
    }
  }
  if (m.method() == Method::kInvite && m.has(HeaderId::kAccept) && policy.role == Role::kUserAgent) {
    bool any = false;
    m.for_each_value(HeaderId::kAccept, [&](std::string_view e) {
      for (const std::string& t : policy.produced_types) any = any || accept_matches(e, t);
    });
    if (!any) return Verdict{406, "Not Acceptable", {{"Accept", join(policy.produced_types)}}};
  }
  return std::nullopt;
}

std::optional<std::string_view> check_response(const Message& m) {
  if (m.is_request()) return "not a response";
  if (!m.has(HeaderId::kVia) || !m.has(HeaderId::kFrom) || !m.has(HeaderId::kTo) ||
      !m.has(HeaderId::kCallId) || !m.has(HeaderId::kCSeq)) {
    return "missing mandatory header field";
  }
  if (m.count(HeaderId::kCallId) > 1 || m.count(HeaderId::kCSeq) > 1) {
    return "repeated single-value header field";
  }
  if (!m.cseq()) return "malformed or out-of-range CSeq";
  if (!m.top_via()) return "malformed top Via";
  return std::nullopt;
}

}  // namespace imsguard::sip
