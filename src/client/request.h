#pragma once
// Builds the requests the client sends. Kept as plain text assembly because the client is
// the party that chooses every field; the header values it takes from the user (--header)
// are validated first so nobody can split a header line through an option.
#include "client/transport.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imsguard::client {

using Header = std::pair<std::string, std::string>;

struct RequestSpec {
  std::string method;       // "REGISTER", "MESSAGE", "OPTIONS"
  std::string request_uri;
  std::string from_uri;     // our IMPU
  std::string from_tag;
  std::string to_uri;
  std::string call_id;
  uint32_t cseq = 1;
  std::string branch;       // with the z9hG4bK cookie
  std::string contact;      // URI; empty: no Contact
  std::optional<uint32_t> expires;
  std::vector<Header> headers;  // Authorization, then the user's extra headers, in order
  std::string content_type;
  std::string body;
};

// Where our Via points: the flow's transport and local address.
struct ViaAddress {
  TransportKind kind = TransportKind::kUdp;
  std::string host;
  uint16_t port = 0;
};

std::string build_request(const RequestSpec& spec, const ViaAddress& via);

// A fresh branch ("z9hG4bK" + random), tag and Call-ID.
std::string new_branch();

// Parses a --header option "Name: value". Errors: no colon, a name that is not a SIP token,
// a CR, LF or other control character, or a header the client must own (Via, CSeq,
// Call-ID, From, To, Content-Length, Max-Forwards).
// All are kInvalid: the text is the user's.
StatusOr<Header> parse_extra_header(std::string_view text);

}  // namespace imsguard::client
