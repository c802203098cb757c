#include "sip/stream_framer.h"

#include <gtest/gtest.h>

#include <string>

namespace imsguard::sip {
namespace {

const std::string kMsg =
    "MESSAGE sip:b@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK1\r\n"
    "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n"
    "Call-ID: c1\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
    "l: 5\r\n\r\nhello";

TEST(StreamFramerTest, FramesBackToBackMessages) {
  StreamFramer framer;
  std::string buffer = kMsg + kMsg;
  FrameResult r = framer.next(buffer);
  ASSERT_EQ(r.kind, FrameKind::kMessage);
  EXPECT_EQ(r.length, kMsg.size());
  Message m;
  ASSERT_EQ(parse_stream_message(std::string_view(buffer).substr(0, r.length), Limits{}, m).status,
            ParseStatus::kOk);
  EXPECT_EQ(m.body(), "hello");
  buffer.erase(0, r.length);
  r = framer.next(buffer);
  ASSERT_EQ(r.kind, FrameKind::kMessage);
  EXPECT_EQ(r.length, kMsg.size());
}

TEST(StreamFramerTest, ByteByByteArrival) {
  StreamFramer framer;
  std::string buffer;
  size_t messages = 0;
  for (char c : kMsg) {
    buffer.push_back(c);
    FrameResult r = framer.next(buffer);
    ASSERT_NE(r.kind, FrameKind::kError);
    if (r.kind == FrameKind::kMessage) {
      ++messages;
      EXPECT_EQ(r.length, kMsg.size());
      buffer.erase(0, r.length);
    }
  }
  EXPECT_EQ(messages, 1u);
  EXPECT_TRUE(buffer.empty());
}

TEST(StreamFramerTest, KeepAlives) {
  StreamFramer framer;
  FrameResult ping = framer.next("\r\n\r\n");
  EXPECT_EQ(ping.kind, FrameKind::kKeepAlive);
  EXPECT_EQ(ping.length, 4u);
  EXPECT_TRUE(ping.pong_needed);
  FrameResult lone = framer.next("\r\nINVITE");
  EXPECT_EQ(lone.kind, FrameKind::kKeepAlive);
  EXPECT_EQ(lone.length, 2u);
  EXPECT_FALSE(lone.pong_needed);
  EXPECT_EQ(framer.next("\r\n").kind, FrameKind::kNeedMore);
  EXPECT_EQ(framer.next("\r\n\r").kind, FrameKind::kNeedMore);
  EXPECT_EQ(framer.next("").kind, FrameKind::kNeedMore);
  EXPECT_EQ(framer.next("\n").kind, FrameKind::kError);
}

TEST(StreamFramerTest, FramingErrorsCloseTheStream) {
  const std::string head = "OPTIONS sip:b@example.com SIP/2.0\r\nCall-ID: c\r\n";
  StreamFramer framer;
  FrameResult r = framer.next(head + "\r\n");
  EXPECT_EQ(r.kind, FrameKind::kError);
  EXPECT_EQ(r.code, 400);  // no Content-Length on a stream
  EXPECT_EQ(framer.next(head + "Content-Length: -999\r\n\r\n").kind, FrameKind::kError);
  EXPECT_EQ(framer.next(head + "Content-Length: 13\r\nl: 5\r\n\r\n").kind, FrameKind::kError);
  // clerr: the body has not arrived yet: wait.
  EXPECT_EQ(framer.next(head + "Content-Length: 9999\r\n\r\nshort").kind, FrameKind::kNeedMore);
  framer.reset();

  Limits small;
  small.max_message_bytes = 200;
  StreamFramer bounded(small);
  FrameResult big = bounded.next(head + "Content-Length: 1000\r\n\r\n");
  EXPECT_EQ(big.kind, FrameKind::kError);
  EXPECT_EQ(big.code, 513);
  std::string endless = head + std::string(300, 'x');
  FrameResult runaway = bounded.next(endless);
  EXPECT_EQ(runaway.kind, FrameKind::kError);
  EXPECT_EQ(runaway.code, 513);
}

}  // namespace
}  // namespace imsguard::sip
