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

std::optional<AuthValue> parse_auth_value(std::string_view value, bool has_scheme) {
  AuthValue a;
  value = trim_lws(value);
  a.raw = value;
  if (has_scheme) {
    size_t i = 0;
    while (i < value.size() && is_token_char(value[i])) ++i;
    if (i == 0) return std::nullopt;
    a.scheme = value.substr(0, i);
    if (i < value.size() && !is_lws(value[i])) return std::nullopt;
    a.params = trim_lws(value.substr(i));
  } else {
    a.params = value;
  }
  if (!for_each_auth_param(a.params, [](std::string_view, std::string_view) {})) {
    return std::nullopt;
  }
  return a;
}

}  // namespace imsguard::sip
