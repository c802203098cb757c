// libFuzzer target for what the shared state reads back from Redis: RESP replies (hiredis'
// reader, as RedisLink feeds it the socket's bytes) and, in every string they carry, the
// record encoding of redis_codec.h (bindings, bans), which another version or a hand edit
// may have written. A decoded record encodes to text that decodes to the same record.
#include <hiredis/hiredis.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/redis_binding_store.h"
#include "store/redis_codec.h"
#include "store/redis_guard_store.h"
#include "store/redis_reply_limit.h"

namespace {

using namespace imsguard::store;

void check_value(std::string_view text) {
  if (auto fields = redis_codec::split(text)) {
    std::string again;
    for (const std::string& f : *fields) redis_codec::put(again, f);
    auto back = redis_codec::split(again);
    if (!back || *back != *fields) std::abort();
    for (const std::string& f : *fields) (void)redis_codec::to_int(f);
  }
  if (auto b = decode_binding(text)) {
    auto back = decode_binding(encode_binding(*b));
    if (!back || !(*back == *b)) std::abort();
  }
  if (auto ban = decode_ban(text)) {
    auto back = decode_ban(encode_ban(*ban));
    if (!back || !(*back == *ban)) std::abort();
  }
}

void walk(const redisReply* r, int depth) {
  if (depth > 64) return;
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      check_value(std::string_view(r->str, r->len));
      break;
    case REDIS_REPLY_ARRAY:  // hiredis 0.14 (Debian 12) knows RESP2 only
      for (size_t i = 0; i < r->elements; ++i) walk(r->element[i], depth + 1);
      break;
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_value(text);
  redisReader* reader = redisReaderCreate();
  if (reader == nullptr) std::abort();
  limit_reply_size(reader);  // as RedisLink does: a reply header alone must not cost gigabytes
  // Fed in two pieces, as a socket read may cut a reply anywhere.
  size_t cut = size / 2;
  redisReaderFeed(reader, reinterpret_cast<const char*>(data), cut);
  redisReaderFeed(reader, reinterpret_cast<const char*>(data) + cut, size - cut);
  for (int i = 0; i < 1000; ++i) {
    void* reply = nullptr;
    if (redisReaderGetReply(reader, &reply) != REDIS_OK || reply == nullptr) break;
    walk(static_cast<redisReply*>(reply), 0);
    freeReplyObject(reply);
  }
  redisReaderFree(reader);
  return 0;
}
