#pragma once
// The parser limits of the configuration, in the parser's own type (sip/ knows no config).
#include "config/config.h"
#include "sip/parser.h"

namespace imsguard::net {

inline sip::Limits to_sip_limits(const config::SipLimits& l) {
  sip::Limits out;
  out.max_message_bytes = l.max_message_bytes;
  out.max_headers = l.max_headers;
  out.max_header_bytes = l.max_header_bytes;
  out.max_via = l.max_via;
  return out;
}

}  // namespace imsguard::net
