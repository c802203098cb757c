// How the user agent reports a request that failed: the flow's own words, with a code that
// says it was the flow or the far end (kUnavailable), never the caller's input; a refusal
// keeps its final answer beside the failure.
#include "client/user_agent.h"

#include "fake_transport.h"

#include <gtest/gtest.h>

namespace imsguard::client {
namespace {

UserAgentOptions alice() {
  UserAgentOptions o;
  o.credentials.impi = "alice@ims.local";
  o.credentials.realm = "ims.local";
  o.credentials.password = "secret";
  o.impu = "sip:alice@ims.local";
  o.timeout = std::chrono::milliseconds(300);
  return o;
}

TEST(UserAgent, AFlowThatCannotSendIsUnavailableWithItsReason) {
  fakes::FakeTransport t;
  t.send_failure = unavailable_error("tcp 127.0.0.1:5060: the server closed the connection");
  UserAgent ua(t, alice());
  Outcome r = ua.register_binding();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error.code(), Code::kUnavailable);
  EXPECT_EQ(r.error.message(), "tcp 127.0.0.1:5060: the server closed the connection");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(t.sent.size(), 1u);
}

TEST(UserAgent, NoAnswerIsUnavailableAndNamesTheRequest) {
  fakes::FakeTransport t;
  UserAgent ua(t, alice());
  Outcome r = ua.send_request("OPTIONS", "sip:ims.local", "", "");
  EXPECT_EQ(r.error.code(), Code::kUnavailable);
  EXPECT_NE(r.error.message().find("no final answer to OPTIONS from tcp 127.0.0.1:5060 (fake) within 300 ms"),
            std::string::npos)
      << r.error.message();
}

TEST(UserAgent, ARefusalKeepsItsAnswerBesideTheFailure) {
  fakes::FakeTransport t;
  t.answer_code = 403;
  t.answer_reason = "Forbidden";
  UserAgent ua(t, alice());
  Outcome r = ua.register_binding();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error.code(), Code::kUnavailable);
  EXPECT_EQ(r.error.message(), "REGISTER refused: 403 Forbidden");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.reason, "Forbidden");
  EXPECT_FALSE(ua.registered());
}

TEST(UserAgent, AnAcceptedRequestIsOk) {
  fakes::FakeTransport t;
  t.answer_code = 200;
  t.answer_reason = "OK";
  UserAgent ua(t, alice());
  Outcome r = ua.send_request("MESSAGE", "sip:bob@ims.local", "text/plain", "hi");
  EXPECT_TRUE(r.ok()) << r.error.message();
  EXPECT_EQ(r.status, 200);
}

}  // namespace
}  // namespace imsguard::client
