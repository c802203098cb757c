#pragma once
// Where a request came from, written into its top Via (RFC 3261 18.2.1, RFC 3581). A client
// behind a NAT only learns its public address and port from the received/rport of the answers
// it gets, and every answer or relayed copy of the request must carry the same annotation:
// so the server transport records the source once on the Message (Message::set_received_from)
// and the two places that copy a request's Via (make_response, MessageWriter) apply it to the
// top element, without parsing more than that element.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/via.h"

namespace imsguard::sip {

// The packet source of a received request: an IP address in text (IPv6 without brackets,
// as the Via received grammar wants it) and the port. Stored inline: setting it on every
// request must not allocate.
class ReceivedFrom {
 public:
  // INET6_ADDRSTRLEN: the longest text form of an address.
  static constexpr size_t kMaxAddress = 46;

  ReceivedFrom() = default;
  // An address longer than kMaxAddress leaves it empty (never the case for an IP address's text).
  ReceivedFrom(std::string_view address, uint16_t port);

  bool empty() const { return size_ == 0; }
  std::string_view address() const { return {address_.data(), size_}; }
  uint16_t port() const { return port_; }

 private:
  std::array<char, kMaxAddress> address_{};
  uint8_t size_ = 0;
  uint16_t port_ = 0;
};

// Whether the top Via `via` of a request from `from` must be annotated: it asks for rport
// (RFC 3581: received and rport are then always set), its sent-by host is a name or another
// address than the source (RFC 3261 18.2.1), or it already carries a received that may be
// stale (a value from a previous hop or the client itself is replaced, never kept beside ours).
bool needs_received(const Via& via, const ReceivedFrom& from);

// Appends via.raw with every received and rport parameter removed and ";received=<source>"
// (plus ";rport=<source port>" when the Via had rport, with or without a value) added at the
// end. The other parameters keep their text and order; folding becomes a single space.
void append_received_via(std::string& out, const Via& via, const ReceivedFrom& from);

// For the value of a request's first Via line: appends it with its top element annotated as
// above (the rest of the line unfolded, otherwise as it was) and returns true; returns false
// and appends nothing when the top element needs nothing or does not parse.
bool append_received_via_line(std::string& out, std::string_view value, const ReceivedFrom& from);

}  // namespace imsguard::sip
