#include "sip/response.h"

#include <gtest/gtest.h>

#include <string>

#include "read_file.h"
#include "sip/parser.h"

namespace imsguard::sip {
namespace {

TEST(ResponseTest, CopiesTheDialogFieldsAndAddsToTag) {
  const std::string in = testing::torture("wsinv");
  Message req;
  ASSERT_EQ(parse_datagram(in, Limits{}, req).status, ParseStatus::kOk);
  HeaderPair extra[] = {{"Allow", "INVITE, ACK"}};
  std::string out = make_response(req, 501, "Not Implemented", extra, "abc");
  Message resp;
  ASSERT_EQ(parse_datagram(out, Limits{}, resp).status, ParseStatus::kOk);
  EXPECT_EQ(resp.status_code(), 501);
  EXPECT_EQ(resp.reason(), "Not Implemented");
  EXPECT_EQ(resp.count_values(HeaderId::kVia), req.count_values(HeaderId::kVia));
  EXPECT_EQ(resp.top_via()->branch, req.top_via()->branch);
  EXPECT_EQ(resp.call_id(), req.call_id());
  EXPECT_EQ(resp.cseq()->number, 9u);
  EXPECT_EQ(resp.from()->tag(), "98asjd8");
  // wsinv's To already has a tag: it is kept, not doubled.
  EXPECT_EQ(resp.to()->tag(), "1918181833n");
  EXPECT_EQ(resp.find(HeaderId::kAllow)->value, "INVITE, ACK");
  EXPECT_EQ(resp.content_length().value_or(1), 0u);
  EXPECT_TRUE(resp.body().empty());
  // Folded values are unfolded.
  EXPECT_EQ(out.find("\r\n "), std::string::npos);
}

TEST(ResponseTest, AddsToTagWhenAbsent) {
  const std::string in = testing::torture("zeromf");
  Message req;
  ASSERT_EQ(parse_datagram(in, Limits{}, req).status, ParseStatus::kOk);
  Message resp;
  std::string out = make_response(req, 483, "Too Many Hops", {}, "t1");
  ASSERT_EQ(parse_datagram(out, Limits{}, resp).status, ParseStatus::kOk);
  EXPECT_EQ(resp.to()->tag(), "t1");
  std::string trying = make_response(req, 100, "", {}, "t1");
  Message r100;
  ASSERT_EQ(parse_datagram(trying, Limits{}, r100).status, ParseStatus::kOk);
  EXPECT_EQ(r100.reason(), "Trying");
  EXPECT_TRUE(r100.to()->tag().empty());
}

TEST(ResponseTest, SaneForBrokenRequests) {
  // insuf lacks Call-ID, From and To; badvers never parsed kOk.
  for (const char* name : {"insuf", "badvers", "test"}) {
    const std::string in = testing::torture(name);
    Message req;
    parse_datagram(in, Limits{}, req);
    std::string out = make_response(req, 400, "Bad\r\nRequest", {});
    Message resp;
    ASSERT_EQ(parse_datagram(out, Limits{}, resp).status, ParseStatus::kOk) << name;
    EXPECT_EQ(resp.status_code(), 400) << name;
    EXPECT_EQ(resp.reason(), "Bad Request") << name;
    EXPECT_EQ(resp.count(HeaderId::kVia), req.count(HeaderId::kVia)) << name;
  }
  Message empty;
  std::string bare = make_response(empty, 999, "");
  EXPECT_EQ(bare, "SIP/2.0 500 Server Internal Error\r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace imsguard::sip
