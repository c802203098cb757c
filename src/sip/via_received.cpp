#include "sip/via_received.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include "sip/lex.h"

namespace imsguard::sip {
namespace {

// The address bytes of an IPv4 or IPv6 text (brackets allowed); false for anything else.
bool address_bytes(std::string_view text, int& family, unsigned char (&bytes)[16]) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  char buffer[ReceivedFrom::kMaxAddress + 1];
  if (text.empty() || text.size() > ReceivedFrom::kMaxAddress) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  if (inet_pton(AF_INET, buffer, bytes) == 1) {
    family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, buffer, bytes) == 1) {
    family = AF_INET6;
    return true;
  }
  return false;
}

// The same IP address, whatever its spelling ("::1" and "0:0:0:0:0:0:0:1"); a host name is
// never the same as the source (RFC 3261 18.2.1 asks for received then).
bool same_address(std::string_view via_host, std::string_view source) {
  if (via_host == source) return true;
  int family_a = 0, family_b = 0;
  unsigned char a[16] = {}, b[16] = {};
  if (!address_bytes(via_host, family_a, a) || !address_bytes(source, family_b, b)) return false;
  return family_a == family_b && std::memcmp(a, b, family_a == AF_INET ? 4 : 16) == 0;
}

bool is_received_or_rport(std::string_view name) { return iequals(name, "received") || iequals(name, "rport"); }

}  // namespace

ReceivedFrom::ReceivedFrom(std::string_view address, uint16_t port) {
  if (address.empty() || address.size() > kMaxAddress) return;
  std::copy(address.begin(), address.end(), address_.begin());
  size_ = static_cast<uint8_t>(address.size());
  port_ = port;
}

bool needs_received(const Via& via, const ReceivedFrom& from) {
  if (from.empty()) return false;
  return via.rport.has_value() || via.received.has_value() || !same_address(via.host, from.address());
}

void append_received_via(std::string& out, const Via& via, const ReceivedFrom& from) {
  // via.params is a view into via.raw that starts at the first ';' (or is empty).
  size_t params_at = via.params.empty() ? via.raw.size() : static_cast<size_t>(via.params.data() - via.raw.data());
  // Folded LWS inside the element (RFC 4475 wsinv) becomes one space, as in any generated line.
  append_unfolded(out, trim_lws(via.raw.substr(0, params_at)));
  std::string_view params = via.params;
  size_t pos = 0;
  while (pos < params.size()) {
    Param p;
    size_t next = detail::next_param(params, pos, p);
    if (next == std::string_view::npos) {
      // parse_via accepted the list, so this does not happen; keep the rest as it was.
      append_unfolded(out, params.substr(pos));
      break;
    }
    if (!is_received_or_rport(p.name)) append_unfolded(out, trim_lws(params.substr(pos, next - pos)));
    pos = next;
  }
  out += ";received=";
  out += from.address();
  if (via.rport) {
    char digits[8];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, from.port());
    out += ";rport=";
    if (ec == std::errc()) out.append(digits, end);
  }
}

bool append_received_via_line(std::string& out, std::string_view value, const ReceivedFrom& from) {
  if (from.empty()) return false;
  std::optional<Via> top;
  bool first = true;
  split_list(value, [&](std::string_view element) {
    if (first) top = parse_via(element);
    first = false;
  });
  if (!top || !needs_received(*top, from)) return false;
  // top->raw is a view into value: what is around it is kept.
  size_t at = static_cast<size_t>(top->raw.data() - value.data());
  append_unfolded(out, value.substr(0, at));
  append_received_via(out, *top, from);
  append_unfolded(out, value.substr(at + top->raw.size()));
  return true;
}

}  // namespace imsguard::sip
