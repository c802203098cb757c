#pragma once
// Test support: registers a Digest subscriber over a raw UDP peer the way a phone does
// (REGISTER, 401, REGISTER with the answer to the first challenge, 200), so an end-to-end
// test starts from registered flows without a client process. Password "<user>-secret"
// unless given; realm and domain ims.local; Contact the peer's own address.
#include <string>

#include "sip_socket.h"

namespace imsguard::testkit {

// True when the edge on `edge_port` answered 200; `last` (if given) gets the last answer.
bool register_digest(UdpPeer& peer, uint16_t edge_port, const std::string& user, const std::string& password = {},
                     std::string* last = nullptr);

}  // namespace imsguard::testkit
