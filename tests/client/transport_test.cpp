// A flow that is gone says so on the next send, as kUnavailable (the system's doing, not
// the caller's input), in words that name the flow; opening one to a port where nothing
// listens is kUnavailable too, and TLS without a CA is the caller's (kInvalid). A closed
// stream stays closed for every later receive; a UDP port-unreachable is reported once.
#include "client/transport.h"

#include "client/transport_impl.h"
#include "process.h"
#include "tcp_listener.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace imsguard::client {
namespace {

TransportOptions tcp_to(uint16_t port) {
  TransportOptions o;
  o.kind = TransportKind::kTcp;
  o.server = {"127.0.0.1", port};
  o.connect_timeout = std::chrono::milliseconds(2000);
  return o;
}

TEST(Transport, SendOnAConnectionTheServerClosedIsUnavailable) {
  testkit::TcpListener server;
  ASSERT_NE(server.port(), 0);
  auto opened = open_transport(tcp_to(server.port()));
  ASSERT_TRUE(opened.ok()) << opened.message();
  Transport& t = **opened;
  int conn = server.accept_one();
  ASSERT_GE(conn, 0);
  timeval bounded{5, 0};  // the reads below never wait longer
  ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &bounded, sizeof bounded);
  const std::string ping = "OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n";
  EXPECT_TRUE(t.send(ping).ok());
  // Read what was sent before closing: unread data would make the close a reset, not an EOF.
  std::string got(ping.size(), '\0');
  size_t n = 0;
  while (n < got.size()) {
    ssize_t r = ::recv(conn, got.data() + n, got.size() - n, 0);
    if (r <= 0) break;
    n += static_cast<size_t>(r);
  }
  EXPECT_EQ(got, ping);
  ::close(conn);
  Received r = t.receive(Clock::now() + std::chrono::seconds(5));
  ASSERT_EQ(r.status, Received::Status::kClosed) << r.error;
  Received again = t.receive(Clock::now() + std::chrono::milliseconds(200));
  EXPECT_EQ(again.status, Received::Status::kClosed) << again.error;
  EXPECT_EQ(again.error, r.error);
  Status sent = t.send("OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(sent.ok());
  EXPECT_NE(sent.code(), Code::kInvalid);
  EXPECT_EQ(sent.code(), Code::kUnavailable);
  EXPECT_EQ(sent.message(), t.describe() + ": the server closed the connection");
}

TEST(Transport, OpeningAFlowWhereNothingListensIsUnavailable) {
  testkit::TcpListener gone;
  uint16_t port = gone.port();
  ASSERT_NE(port, 0);
  gone.stop_listening();
  auto opened = open_transport(tcp_to(port));
  EXPECT_FALSE(opened.ok());
  EXPECT_EQ(opened.code(), Code::kUnavailable);
  EXPECT_NE(opened.message().find("cannot connect to tcp 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << opened.message();
}

TEST(Transport, UdpReportsAPortUnreachableOnceAndThenWaitsAgain) {
  // A loopback UDP port that was just free: the kernel answers a datagram to it with ICMP
  // port-unreachable, which the connected socket reports as ECONNREFUSED.
  uint16_t port = testkit::free_port();
  ASSERT_NE(port, 0);

  TransportOptions o;
  o.kind = TransportKind::kUdp;
  o.server = {"127.0.0.1", port};
  auto opened = open_transport(o);
  ASSERT_TRUE(opened.ok()) << opened.message();
  Transport& t = **opened;
  ASSERT_TRUE(t.send("OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n").ok());
  Received r = t.receive(Clock::now() + std::chrono::seconds(5));
  ASSERT_EQ(r.status, Received::Status::kError) << r.error;
  EXPECT_EQ(r.error, "nothing listens on " + t.describe() + " (ICMP port unreachable)");
  // The socket still works: the next receive waits for a datagram instead of repeating the error.
  Received next = t.receive(Clock::now() + std::chrono::milliseconds(200));
  EXPECT_EQ(next.status, Received::Status::kTimeout) << next.error;
}

TEST(TransportInbox, HandsOutEveryMessageBeforeTheFailureThatFollowedThem) {
  detail::Inbox inbox;
  EXPECT_FALSE(inbox.ready());
  EXPECT_EQ(inbox.take().status, Received::Status::kTimeout);
  inbox.deliver("first");
  inbox.deliver("second");
  inbox.fail(Received::Status::kClosed, "gone", detail::Inbox::Repeat::kSticky);
  EXPECT_EQ(inbox.take().bytes, "first");
  EXPECT_EQ(inbox.take().bytes, "second");
  for (int i = 0; i < 2; ++i) {
    Received r = inbox.take();
    EXPECT_EQ(r.status, Received::Status::kClosed);
    EXPECT_EQ(r.error, "gone");
  }
  EXPECT_TRUE(inbox.failed());
}

TEST(TransportInbox, AFailureReportedOnceIsCleared) {
  detail::Inbox inbox;
  inbox.fail(Received::Status::kError, "refused", detail::Inbox::Repeat::kOnce);
  EXPECT_TRUE(inbox.ready());
  EXPECT_EQ(inbox.take().error, "refused");
  EXPECT_FALSE(inbox.ready());
  EXPECT_EQ(inbox.take().status, Received::Status::kTimeout);
}

TEST(Transport, TlsWithoutACaIsTheCallersInput) {
  TransportOptions o = tcp_to(5061);
  o.kind = TransportKind::kTls;
  auto opened = open_transport(o);
  EXPECT_EQ(opened.code(), Code::kInvalid) << opened.message();
}

}  // namespace
}  // namespace imsguard::client
