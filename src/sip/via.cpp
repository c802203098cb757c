#include "sip/via.h"

#include "sip/lex.h"

namespace imsguard::sip {
namespace {

ViaResult fail(std::string_view why) { return ViaResult{std::nullopt, why}; }

// A small cursor over the Via text that skips LWS between elements.
struct Cursor {
  std::string_view s;
  size_t pos = 0;
  void skip_lws() {
    while (pos < s.size() && is_lws(s[pos])) ++pos;
  }
  std::string_view token() {
    size_t start = pos;
    while (pos < s.size() && is_token_char(s[pos])) ++pos;
    return s.substr(start, pos - start);
  }
  bool eat(char c) {
    skip_lws();
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      skip_lws();
      return true;
    }
    return false;
  }
};

}  // namespace

std::optional<std::string_view> Via::param(std::string_view name) const {
  return find_param(params, name);
}

bool Via::has_rfc3261_branch() const {
  return branch && branch->size() > 7 && branch->substr(0, 7) == "z9hG4bK";
}

ViaResult parse_via_checked(std::string_view text) {
  Via via;
  text = trim_lws(text);
  via.raw = text;
  Cursor c{text};
  via.protocol = c.token();
  if (via.protocol.empty()) return fail("missing Via protocol");
  if (!c.eat('/')) return fail("bad Via sent-protocol");
  via.version = c.token();
  if (via.version.empty() || !c.eat('/')) return fail("bad Via sent-protocol");
  via.transport = c.token();
  if (via.transport.empty()) return fail("missing Via transport");
  size_t before = c.pos;
  c.skip_lws();
  if (c.pos == before) return fail("missing LWS before Via sent-by");
  // sent-by = host [ ":" port ]
  size_t host_start = c.pos;
  if (c.pos < text.size() && text[c.pos] == '[') {
    size_t close = text.find(']', c.pos);
    if (close == std::string_view::npos) return fail("unterminated IPv6 reference in Via");
    c.pos = close + 1;
  } else {
    while (c.pos < text.size() && (is_alnum(text[c.pos]) || text[c.pos] == '-' ||
                                   text[c.pos] == '.')) {
      ++c.pos;
    }
  }
  std::string_view host = text.substr(host_start, c.pos - host_start);
  if (host.empty()) return fail("missing Via sent-by host");
  uint16_t port = 0;
  size_t save = c.pos;
  if (c.eat(':')) {
    size_t port_start = c.pos;
    while (c.pos < text.size() && is_digit(text[c.pos])) ++c.pos;
    std::string_view port_text = text.substr(port_start, c.pos - port_start);
    auto p = parse_decimal(port_text, 65535);
    if (!p || *p == 0 || port_text.size() > 5) return fail("bad Via port");
    port = static_cast<uint16_t>(*p);
  } else {
    c.pos = save;
  }
  via.host = host;
  via.host_type = classify_host(host);
  if (via.host_type == HostType::kNone) return fail("bad Via sent-by host");
  via.port = port;
  std::string_view rest = trim_lws(text.substr(c.pos));
  if (!rest.empty() && rest.front() != ';') return fail("unexpected text in Via");
  bool ok = for_each_param(rest, [&](const Param& p) {
    // Dispatch on length first: most parameters are compared against one name at most.
    std::optional<std::string_view>* slot = nullptr;
    switch (p.name.size()) {
      case 3: if (iequals(p.name, "ttl")) slot = &via.ttl; break;
      case 5:
        if (iequals(p.name, "rport")) {
          slot = &via.rport;
        } else if (iequals(p.name, "maddr")) {
          slot = &via.maddr;
        }
        break;
      case 6: if (iequals(p.name, "branch")) slot = &via.branch; break;
      case 8: if (iequals(p.name, "received")) slot = &via.received; break;
      default: break;
    }
    if (slot && !*slot) *slot = p.value;
  });
  if (!ok) return fail("bad Via parameter");
  if (via.branch && via.branch->empty()) return fail("empty Via branch");
  if (via.rport && !via.rport->empty() && !parse_decimal(*via.rport, 65535)) {
    return fail("bad Via rport");
  }
  if (via.ttl && !parse_decimal(*via.ttl, 255)) return fail("bad Via ttl");
  via.params = rest;
  return ViaResult{via, {}};
}

}  // namespace imsguard::sip
