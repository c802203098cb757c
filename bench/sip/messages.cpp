#include "messages.h"

namespace imsguard::bench {
namespace {

std::string with_body(std::string head, const std::string& body) {
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  return head + body;
}

std::string register_message() {
  return with_body(
      "REGISTER sip:ims.example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:alice@ims.example.com>;tag=49583\r\n"
      "To: <sip:alice@ims.example.com>\r\n"
      "Call-ID: 843817637684230@998sdasdh09\r\n"
      "CSeq: 1826 REGISTER\r\n"
      "Contact: <sip:alice@192.0.2.10:5060>;expires=600000;"
      "+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\"\r\n"
      "Authorization: Digest username=\"alice@ims.example.com\", realm=\"ims.example.com\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:ims.example.com\", "
      "response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, qop=auth, nc=00000001, "
      "cnonce=\"0a4f113b\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n"
      "Expires: 600000\r\n"
      "Supported: path, gruu\r\n"
      "Allow: INVITE, ACK, CANCEL, BYE, UPDATE, MESSAGE, OPTIONS\r\n"
      "User-Agent: imsguard-bench/1.0\r\n",
      "");
}

std::string invite_message() {
  return with_body(
      "INVITE sip:bob@ims.example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds8;rport\r\n"
      "Max-Forwards: 70\r\n"
      "Route: <sip:pcscf.ims.example.com;lr>\r\n"
      "From: \"Alice\" <sip:alice@ims.example.com>;tag=1928301774\r\n"
      "To: <sip:bob@ims.example.com>\r\n"
      "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Contact: <sip:alice@192.0.2.10:5060>\r\n"
      "P-Preferred-Identity: <sip:alice@ims.example.com>\r\n"
      "Supported: 100rel, timer\r\n"
      "Allow: INVITE, ACK, CANCEL, BYE, UPDATE, MESSAGE, OPTIONS\r\n"
      "User-Agent: imsguard-bench/1.0\r\n"
      "Content-Type: application/sdp\r\n",
      "v=0\r\n"
      "o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n"
      "s=-\r\n"
      "c=IN IP4 192.0.2.10\r\n"
      "t=0 0\r\n"
      "m=audio 49170 RTP/SAVP 0 8 101\r\n"
      "a=rtpmap:0 PCMU/8000\r\n"
      "a=rtpmap:8 PCMA/8000\r\n"
      "a=rtpmap:101 telephone-event/8000\r\n"
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"
      "a=sendrecv\r\n");
}

std::string ok_message() {
  return with_body(
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP pcscf.ims.example.com;branch=z9hG4bK2d4790.1\r\n"
      "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds8;rport=5060;received=192.0.2.10\r\n"
      "Record-Route: <sip:scscf.ims.example.com;lr>, <sip:pcscf.ims.example.com;lr>\r\n"
      "From: \"Alice\" <sip:alice@ims.example.com>;tag=1928301774\r\n"
      "To: <sip:bob@ims.example.com>;tag=a6c85cf\r\n"
      "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Contact: <sip:bob@192.0.2.20:5060>\r\n"
      "P-Asserted-Identity: <sip:bob@ims.example.com>\r\n",
      "");
}

}  // namespace

const std::vector<SampleMessage>& sample_messages() {
  static const std::vector<SampleMessage> kMessages{
      {"REGISTER", register_message()},
      {"INVITE_SDP", invite_message()},
      {"200_OK", ok_message()},
  };
  return kMessages;
}

}  // namespace imsguard::bench
