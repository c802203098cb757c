#pragma once
// An IP address as text without the C library's formatter: glibc's inet_ntop prints IPv4
// through sprintf, which cost about as much as the rest of building a 401. Every request
// over UDP writes its source this way (Via received=, the binding's source).
#include <asio/ip/address.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace imsguard::net {

// Room for the longest text (IPv6 with an embedded IPv4 part) and a terminating NUL.
inline constexpr size_t kAddressTextMax = 46;

// Writes `address` (dotted quad, or RFC 5952 IPv6 without brackets or scope) into `out`,
// NUL-terminated; returns its length, 0 if it cannot be written.
size_t write_address(const asio::ip::address& address, char (&out)[kAddressTextMax]);

// The IP address a SIP URI host names: a dotted quad or a bracketed "[v6]" literal; nullopt
// for a host name (trusted peers and the edge's own listeners are never named through DNS).
std::optional<asio::ip::address> parse_ip_literal(std::string_view host);

}  // namespace imsguard::net
