#pragma once
// Builds and parses small SIP messages for the service tests (the Message keeps views into
// the text, so both live together).
#include <memory>
#include <string>

#include "sip/message.h"
#include "sip/parser.h"

namespace imsguard::service::testing {

struct Parsed {
  std::string text;
  sip::Message msg;
  bool ok = false;
};

inline std::unique_ptr<Parsed> parse(std::string text) {
  auto p = std::make_unique<Parsed>();
  p->text = std::move(text);
  p->ok = sip::parse_datagram(p->text, {}, p->msg).status == sip::ParseStatus::kOk;
  return p;
}

inline std::string request(const std::string& method, const std::string& ruri, const std::string& extra) {
  return method + " " + ruri + " SIP/2.0\r\n"
         "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-1\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:alice@ims.local>;tag=a1\r\n"
         "To: <" + ruri + ">\r\n"
         "Call-ID: c1@test\r\n"
         "CSeq: 1 " + method + "\r\n" + extra +
         "Content-Length: 0\r\n\r\n";
}

}  // namespace imsguard::service::testing
