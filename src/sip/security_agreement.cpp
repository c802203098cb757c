#include "sip/security_agreement.h"

#include "sip/lex.h"

namespace imsguard::sip {

std::optional<std::string_view> SecurityMechanism::param(std::string_view n) const {
  return find_param(params, n);
}

std::optional<int> SecurityMechanism::preference() const {
  auto q = param("q");
  if (!q) return std::nullopt;
  // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
  std::string_view v = *q;
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return std::nullopt;
  int whole = v[0] - '0';
  int frac = 0;
  if (v.size() > 1) {
    if (v[1] != '.' || v.size() > 5) return std::nullopt;
    int scale = 100;
    for (size_t i = 2; i < v.size(); ++i) {
      if (!is_digit(v[i])) return std::nullopt;
      frac += (v[i] - '0') * scale;
      scale /= 10;
    }
  }
  int result = whole * 1000 + frac;
  if (result > 1000) return std::nullopt;
  return result;
}

std::optional<SecurityMechanism> parse_security_mechanism(std::string_view element) {
  SecurityMechanism m;
  element = trim_lws(element);
  m.raw = element;
  size_t i = 0;
  while (i < element.size() && is_token_char(element[i])) ++i;
  if (i == 0) return std::nullopt;
  m.name = element.substr(0, i);
  std::string_view rest = trim_lws(element.substr(i));
  if (!rest.empty() && rest.front() != ';') return std::nullopt;
  if (!for_each_param(rest, [](const Param&) {})) return std::nullopt;
  m.params = rest;
  return m;
}

}  // namespace imsguard::sip
