#include "sip/auth.h"

#include "sip/lex.h"

namespace imsguard::sip {
namespace {

// Calls fn(name, value) for each "name = value" of a comma list; false on a syntax error.
template <class Fn>
bool for_each_auth_param(std::string_view params, Fn&& fn) {
  if (trim_lws(params).empty()) return true;
  bool ok = true;
  bool complete = split_list(params, [&](std::string_view item) {
    if (!ok) return;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      ok = false;
      return;
    }
    std::string_view name = trim_lws(item.substr(0, eq));
    std::string_view value = trim_lws(item.substr(eq + 1));
    if (!is_token(name) || value.empty()) {
      ok = false;
      return;
    }
    if (value.front() == '"') {
      if (find_closing_quote(value, 0) != value.size() - 1) {
        ok = false;
        return;
      }
    } else {
      for (char c : value) {
        if (!is_token_char(c) && c != '/' && c != ':' && c != '=' && c != '@') {
          ok = false;
          return;
        }
      }
    }
    fn(name, value);
  });
  return ok && complete;
}

}  // namespace

std::optional<std::string_view> AuthValue::param(std::string_view name) const {
  std::optional<std::string_view> found;
  for_each_auth_param(params, [&](std::string_view n, std::string_view v) {
    if (!found && iequals(n, name)) found = v;
  });
  return found;
}

std::optional<std::string> AuthValue::param_text(std::string_view name) const {
  auto v = param(name);
  if (!v) return std::nullopt;
  return unquote(*v);
}

namespace {

// Splits "Scheme params" (value already trimmed); false when the scheme is not a token.
bool split_scheme(std::string_view value, std::string_view& scheme, std::string_view& params) {
  size_t i = 0;
  while (i < value.size() && is_token_char(value[i])) ++i;
  if (i == 0) return false;
  if (i < value.size() && !is_lws(value[i])) return false;
  scheme = value.substr(0, i);
  params = trim_lws(value.substr(i));
  return true;
}

}  // namespace

std::optional<AuthValue> parse_auth_value(std::string_view value, bool has_scheme) {
  AuthValue a;
  value = trim_lws(value);
  a.raw = value;
  if (has_scheme) {
    if (!split_scheme(value, a.scheme, a.params)) return std::nullopt;
  } else {
    a.params = value;
  }
  if (!for_each_auth_param(a.params, [](std::string_view, std::string_view) {})) {
    return std::nullopt;
  }
  return a;
}

std::optional<std::string_view> find_auth_param(std::string_view value, std::string_view name) {
  std::string_view scheme, params;
  if (!split_scheme(trim_lws(value), scheme, params)) return std::nullopt;
  std::optional<std::string_view> found;
  bool ok = for_each_auth_param(params, [&](std::string_view n, std::string_view v) {
    if (!found && iequals(n, name)) found = v;
  });
  if (!ok) return std::nullopt;
  return found;
}

}  // namespace imsguard::sip
