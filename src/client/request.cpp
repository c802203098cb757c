#include "client/request.h"

#include "client/credentials.h"
#include "client/transport_impl.h"
#include "sip/header_id.h"

#include <cctype>

namespace imsguard::client {

namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
}

}  // namespace

std::string new_branch() { return "z9hG4bK" + random_token(10); }

std::string build_request(const RequestSpec& s, const ViaAddress& via) {
  std::string m;
  m.reserve(512 + s.body.size());
  m += s.method + " " + s.request_uri + " SIP/2.0\r\n";
  m += "Via: SIP/2.0/" + std::string(via_token(via.kind)) + " " + detail::uri_host(via.host) + ":" +
       std::to_string(via.port) + ";branch=" + s.branch + ";rport\r\n";
  m += "Max-Forwards: 70\r\n";
  m += "From: <" + s.from_uri + ">;tag=" + s.from_tag + "\r\n";
  m += "To: <" + s.to_uri + ">\r\n";
  m += "Call-ID: " + s.call_id + "\r\n";
  m += "CSeq: " + std::to_string(s.cseq) + " " + s.method + "\r\n";
  if (!s.contact.empty()) m += "Contact: <" + s.contact + ">\r\n";
  if (s.expires) m += "Expires: " + std::to_string(*s.expires) + "\r\n";
  for (const auto& [name, value] : s.headers) m += name + ": " + value + "\r\n";
  m += "User-Agent: imsguard-client\r\n";
  if (!s.body.empty()) m += "Content-Type: " + s.content_type + "\r\n";
  m += "Content-Length: " + std::to_string(s.body.size()) + "\r\n\r\n";
  m += s.body;
  return m;
}

StatusOr<Header> parse_extra_header(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return invalid_argument("--header '" + std::string(text) + "': expected \"Name: value\"");
  }
  std::string_view name = text.substr(0, colon);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  std::string_view value = text.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  if (name.empty()) {
    return invalid_argument("--header '" + std::string(text) + "': empty header name");
  }
  for (char c : name) {
    if (!is_token_char(c)) {
      return invalid_argument("--header '" + std::string(text) + "': the name must be a SIP token");
    }
  }
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      return invalid_argument("--header '" + std::string(name) + "': control characters (CR, LF, ...) are not allowed in the value");
    }
  }
  static const sip::HeaderId kOwned[] = {sip::HeaderId::kVia,    sip::HeaderId::kCSeq,          sip::HeaderId::kCallId,
                                         sip::HeaderId::kFrom,   sip::HeaderId::kTo,            sip::HeaderId::kContentLength,
                                         sip::HeaderId::kMaxForwards};
  sip::HeaderId id = sip::lookup_header(name);
  for (auto owned : kOwned) {
    if (id == owned) {
      return invalid_argument("--header '" + std::string(name) + "': the client sets this header itself");
    }
  }
  return Header{std::string(name), std::string(value)};
}

}  // namespace imsguard::client
