// Whose fault a failed call was, as its code says: options the call cannot be made with are
// kInvalid and nothing is sent; what happens once the INVITE is out (a flow that fails, a
// refusal) is kUnavailable. `imsguard client call` turns these into exit 2 and 1.
#include "client/call.h"

#include "fake_transport.h"

#include <gtest/gtest.h>

namespace imsguard::client {
namespace {

CallOptions plain_call() {
  CallOptions o;
  o.target = "sip:media@services.ims.local";
  o.impu = "sip:alice@ims.local";
  o.policy = config::SrtpPolicy::kOff;
  o.timeout = std::chrono::milliseconds(300);
  return o;
}

TEST(PlaceCall, AMediaAddressThatIsNotAnIpAddressIsInvalidAndNothingIsSent) {
  fakes::FakeTransport t;
  CallOptions o = plain_call();
  o.media_address = "media.example";
  CallResult r = place_call(t, o);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error.code(), Code::kInvalid);
  EXPECT_EQ(r.error.message(), "media port: media address 'media.example' is not an IP address");
  EXPECT_TRUE(t.sent.empty());
}

TEST(PlaceCall, SdesKeysOverAPlainFlowAreRefusedBeforeAnythingIsSent) {
  fakes::FakeTransport t;  // TCP: not TLS
  CallOptions o = plain_call();
  o.policy = config::SrtpPolicy::kMandatory;
  o.keying = media::Keying::kSdes;
  CallResult r = place_call(t, o);
  EXPECT_EQ(r.error.code(), Code::kInvalid);
  EXPECT_NE(r.error.message().find("SDES needs TLS signaling"), std::string::npos) << r.error.message();
  EXPECT_TRUE(t.sent.empty());
}

TEST(PlaceCall, AFlowThatFailsIsUnavailable) {
  fakes::FakeTransport t;
  t.send_failure = unavailable_error("tcp 127.0.0.1:5060: send failed: Broken pipe");
  CallResult r = place_call(t, plain_call());
  EXPECT_EQ(r.error.code(), Code::kUnavailable);
  EXPECT_EQ(r.error.message(), "INVITE: tcp 127.0.0.1:5060: send failed: Broken pipe");
  EXPECT_EQ(r.status, 0);
}

TEST(PlaceCall, ARefusalIsUnavailableWithItsStatus) {
  fakes::FakeTransport t;
  t.answer_code = 488;
  t.answer_reason = "Not Acceptable Here";
  CallResult r = place_call(t, plain_call());
  EXPECT_EQ(r.error.code(), Code::kUnavailable);
  EXPECT_EQ(r.error.message(), "INVITE refused: 488 Not Acceptable Here");
  EXPECT_EQ(r.status, 488);
  ASSERT_EQ(t.sent.size(), 2u);  // the INVITE and the ACK of its refusal
  EXPECT_EQ(t.sent[1].rfind("ACK ", 0), 0u);
}

}  // namespace
}  // namespace imsguard::client
