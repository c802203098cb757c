// A Redis reply header must not decide how much memory we allocate: hiredis 0.14 callocs an
// array's element table from the announced count. These tests feed such headers to a limited
// reader, and to a RedisLink talking to a fake server on loopback that sends one.
#include "store/redis_reply_limit.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "store/redis_link.h"
#include "config/redis_url.h"

namespace imsguard::store {
namespace {

struct ReaderFree {
  void operator()(redisReader* r) const { redisReaderFree(r); }
};
using ReaderPtr = std::unique_ptr<redisReader, ReaderFree>;

ReaderPtr limited_reader() {
  ReaderPtr reader(redisReaderCreate());
  limit_reply_size(reader.get());
  return reader;
}

TEST(RedisReplyLimit, AnArrayLongerThanTheLimitIsAProtocolErrorBeforeAnyElement) {
  ReaderPtr reader = limited_reader();
  std::string header = "*" + std::to_string(kMaxReplyElements + 1) + "\r\n";
  redisReaderFeed(reader.get(), header.data(), header.size());
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader.get(), &reply), REDIS_ERR);
  EXPECT_EQ(reply, nullptr);
}

TEST(RedisReplyLimit, TheHeaderThatFoundTheBugIsRefused) {
  ReaderPtr reader = limited_reader();
  // 700 million elements: 5.6 GB of element table in an unlimited reader.
  const char header[] = "*700000000\r\n";
  redisReaderFeed(reader.get(), header, sizeof header - 1);
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader.get(), &reply), REDIS_ERR);
}

TEST(RedisReplyLimit, RepliesWithinTheLimitAreReadAsBefore) {
  ReaderPtr reader = limited_reader();
  const char text[] = "*3\r\n:1\r\n$3\r\nabc\r\n*1\r\n:7\r\n";
  redisReaderFeed(reader.get(), text, sizeof text - 1);
  void* raw = nullptr;
  ASSERT_EQ(redisReaderGetReply(reader.get(), &raw), REDIS_OK);
  ASSERT_NE(raw, nullptr);
  auto* reply = static_cast<redisReply*>(raw);
  ASSERT_EQ(reply->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(reply->elements, 3u);
  EXPECT_EQ(reply->element[0]->integer, 1);
  EXPECT_EQ(std::string(reply->element[1]->str, reply->element[1]->len), "abc");
  EXPECT_EQ(reply->element[2]->element[0]->integer, 7);
  freeReplyObject(reply);
}

TEST(RedisReplyLimit, AnUnlimitedReaderWouldAcceptTheHeader) {
  // The control: without limit_reply_size the same header is accepted (and its table
  // allocated), so the tests above fail if the limit is not installed.
  ReaderPtr reader(redisReaderCreate());
  std::string header = "*" + std::to_string(kMaxReplyElements + 1) + "\r\n";
  redisReaderFeed(reader.get(), header.data(), header.size());
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader.get(), &reply), REDIS_OK);
  EXPECT_EQ(reply, nullptr);  // waiting for elements
}

TEST(RedisReplyLimit, APlainLinkRefusesAHugeArrayFromItsServer) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);

  // A fake server: reads one command, answers with a header announcing 700M elements.
  std::thread server([listener] {
    int conn = ::accept(listener, nullptr, nullptr);
    if (conn < 0) return;
    char buf[256];
    (void)::recv(conn, buf, sizeof buf, 0);
    const char header[] = "*700000000\r\n";
    (void)::send(conn, header, sizeof header - 1, MSG_NOSIGNAL);
    (void)::recv(conn, buf, sizeof buf, 0);  // until the client closes
    ::close(conn);
  });

  config::RedisUrl url;
  url.host = "127.0.0.1";
  url.port = ntohs(addr.sin_port);
  url.timeout_ms = 2000;
  auto link = RedisLink::open(url);
  ASSERT_TRUE(link.ok()) << link.message();
  const char* argv[] = {"PING"};
  size_t lens[] = {4};
  auto reply = (*link)->call(1, argv, lens);
  EXPECT_FALSE(reply.ok());
  EXPECT_EQ(reply.code(), Code::kUnavailable);
  EXPECT_FALSE(reply.message().empty());
  EXPECT_TRUE((*link)->broken());
  link.value().reset();
  server.join();
  ::close(listener);
}

}  // namespace
}  // namespace imsguard::store
