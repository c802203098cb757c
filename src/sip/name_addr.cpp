#include "sip/name_addr.h"

#include "sip/lex.h"

namespace imsguard::sip {
namespace {

NameAddrResult fail(std::string_view why) { return NameAddrResult{std::nullopt, why}; }

}  // namespace

std::string NameAddr::display_name_text() const {
  if (!display_name.empty() && display_name.front() == '"') return unquote(display_name);
  // Unquoted: tokens separated by LWS; fold the LWS runs to a single space.
  std::string out;
  bool blank = false;
  for (char c : display_name) {
    if (is_lws(c)) {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

std::optional<std::string_view> NameAddr::param(std::string_view name) const {
  return find_param(params, name);
}

std::string_view NameAddr::tag() const { return param("tag").value_or(std::string_view{}); }

NameAddrResult parse_name_addr_checked(std::string_view text, bool allow_wildcard) {
  NameAddr na;
  text = trim_lws(text);
  na.raw = text;
  if (text.empty()) return fail("empty address");
  std::string_view rest;
  if (text.front() == '*' && allow_wildcard) {
    na.wildcard = true;
    rest = text.substr(1);
  } else {
    // Find where the URI starts: after a quoted display name, after a run of tokens
    // followed by '<', or at once for an addr-spec.
    size_t pos = 0;
    if (text.front() == '"') {
      size_t close = find_closing_quote(text, 0);
      if (close == std::string_view::npos) return fail("unterminated quoted display name");
      na.display_name = text.substr(0, close + 1);
      pos = close + 1;
      while (pos < text.size() && is_lws(text[pos])) ++pos;
      if (pos >= text.size() || text[pos] != '<') return fail("display name without <URI>");
    } else {
      // A display name is tokens and LWS only; if that run ends at '<' it was one,
      // otherwise this is an addr-spec (whose params may hold a quoted '<').
      size_t lt = 0;
      while (lt < text.size() && (is_token_char(text[lt]) || is_lws(text[lt]))) ++lt;
      if (lt < text.size() && text[lt] == '<') {
        na.display_name = trim_lws(text.substr(0, lt));
        pos = lt;
      } else if (text.find('<') != std::string_view::npos && text.find(':') > lt) {
        return fail("bad character in display name");
      }
    }
    if (pos < text.size() && text[pos] == '<') {
      size_t gt = text.find('>', pos);
      if (gt == std::string_view::npos) return fail("missing '>'");
      std::string_view uri_text = text.substr(pos + 1, gt - pos - 1);
      UriResult ur = parse_uri_checked(uri_text);
      if (!ur.uri) return fail(ur.error);
      na.uri = *ur.uri;
      na.has_brackets = true;
      rest = text.substr(gt + 1);
    } else {
      // addr-spec: the URI ends at the first ';' (what follows are header params).
      size_t semi = text.find(';');
      std::string_view uri_text = trim_lws(text.substr(0, semi));
      if (uri_text.find_first_of(",?") != std::string_view::npos) {
        return fail("URI with ',' or '?' must be enclosed in <>");
      }
      UriResult ur = parse_uri_checked(uri_text);
      if (!ur.uri) return fail(ur.error);
      na.uri = *ur.uri;
      rest = semi == std::string_view::npos ? std::string_view{} : text.substr(semi);
    }
  }
  rest = trim_lws(rest);
  if (!rest.empty() && rest.front() != ';') return fail("unexpected text after address");
  if (!for_each_param(rest, [](const Param&) {})) return fail("bad header parameter");
  na.params = rest;
  return NameAddrResult{na, {}};
}

}  // namespace imsguard::sip
