#pragma once
// The messages the parser benchmark feeds to every parser: typical IMS traffic shapes
// (a REGISTER carrying digest credentials, an INVITE with an SDES SDP offer, a proxied
// 200 OK), so the figures say something about the edge's real load.
#include <string>
#include <vector>

namespace imsguard::bench {

struct SampleMessage {
  std::string name;
  std::string bytes;
};

const std::vector<SampleMessage>& sample_messages();

}  // namespace imsguard::bench
