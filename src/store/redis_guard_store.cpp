#include "store/redis_guard_store.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "crypto/hex.h"
#include "store/redis_codec.h"

namespace imsguard::store {
namespace {

std::string ban_field(std::string_view target, uint16_t port) {
  return std::string(target) + "|" + std::to_string(port);
}

// Stores the ban unless the stored one lasts longer and ARGV[4] asks to keep the longer one
// (republishing after an outage must not shorten a ban another edge extended), and appends
// the event. KEYS: bans, ban_exp, events. ARGV: field, record, expires_ms, keep_longer,
// origin, maxlen.
constexpr const char* kPutBan = R"lua(
local old = redis.call('HGET', KEYS[2], ARGV[1])
if ARGV[4] == '1' and old and tonumber(old) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'o', ARGV[5], 't', 'ban', 'd', ARGV[2])
return 1
)lua";

// KEYS: bans, ban_exp, events. ARGV: field, origin, maxlen, data.
constexpr const char* kRemoveBan = R"lua(
local n = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if n > 0 then redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'o', ARGV[2], 't', 'unban', 'd', ARGV[4]) end
return n
)lua";

// KEYS: bans, ban_exp, locks. ARGV: now_ms. Deletes expired bans and locks.
constexpr const char* kPurge = R"lua(
local n = 0
local exp = redis.call('HGETALL', KEYS[2])
for i = 1, #exp, 2 do
  if tonumber(exp[i + 1]) <= tonumber(ARGV[1]) then
    redis.call('HDEL', KEYS[1], exp[i]); redis.call('HDEL', KEYS[2], exp[i]); n = n + 1
  end
end
local locks = redis.call('HGETALL', KEYS[3])
for i = 1, #locks, 2 do
  if tonumber(locks[i + 1]) <= tonumber(ARGV[1]) then redis.call('HDEL', KEYS[3], locks[i]) end
end
return n
)lua";

// KEYS: counter. ARGV: window_ms.
constexpr const char* kCount = R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
)lua";

// KEYS: locks, events. ARGV: key, until_ms, origin, maxlen, data. The later lock wins.
constexpr const char* kLock = R"lua(
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old or tonumber(old) < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'o', ARGV[3], 't', 'lock', 'd', ARGV[5])
return 1
)lua";

// KEYS: nc key. ARGV: nc, ttl_ms. 1 = accepted (recorded), 0 = replay.
constexpr const char* kNonce = R"lua(
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
)lua";

std::string encode_lock(const LockRecord& l) {
  std::string s;
  redis_codec::put(s, l.key);
  redis_codec::put(s, l.until_ms);
  return s;
}

std::optional<LockRecord> decode_lock(std::string_view text) {
  auto f = redis_codec::split(text);
  if (!f || f->size() != 2) return std::nullopt;
  auto until = redis_codec::to_int((*f)[1]);
  if (!until) return std::nullopt;
  return LockRecord{(*f)[0], *until};
}

std::string encode_unban(std::string_view target, uint16_t port) {
  std::string s;
  redis_codec::put(s, target);
  redis_codec::put(s, int64_t{port});
  return s;
}

std::string random_origin() {
  uint8_t b[8];
  if (RAND_bytes(b, sizeof b) != 1) return "edge";
  return crypto::to_hex(std::span<const uint8_t>(b, sizeof b));
}

}  // namespace

std::string encode_ban(const BanRecord& b) {
  std::string s;
  redis_codec::put(s, b.target);
  redis_codec::put(s, int64_t{b.port});
  redis_codec::put(s, b.reason);
  redis_codec::put(s, b.by);
  redis_codec::put(s, b.created_ms);
  redis_codec::put(s, b.expires_ms);
  redis_codec::put(s, int64_t{b.automatic ? 1 : 0});
  return s;
}

std::optional<BanRecord> decode_ban(std::string_view text) {
  auto f = redis_codec::split(text);
  if (!f || f->size() != 7) return std::nullopt;
  auto port = redis_codec::to_int((*f)[1]);
  auto created = redis_codec::to_int((*f)[4]);
  auto expires = redis_codec::to_int((*f)[5]);
  auto automatic = redis_codec::to_int((*f)[6]);
  if (!port || *port < 0 || *port > 65535 || !created || !expires || !automatic || (*f)[0].empty()) return std::nullopt;
  BanRecord b;
  b.target = (*f)[0];
  b.port = static_cast<uint16_t>(*port);
  b.reason = (*f)[2];
  b.by = (*f)[3];
  b.created_ms = *created;
  b.expires_ms = *expires;
  b.automatic = *automatic != 0;
  return b;
}

RedisGuardStore::RedisGuardStore(std::shared_ptr<RedisClient> client)
    : client_(std::move(client)), origin_(random_origin()) {}

StoreResult<void> RedisGuardStore::put_ban(const BanRecord& b) {
  if (b.target.empty()) return invalid("ban needs a target");
  auto r = client_->eval(kPutBan, {client_->key("bans"), client_->key("ban_exp"), client_->key("events")},
                         {ban_field(b.target, b.port), encode_ban(b), std::to_string(b.expires_ms), "0", origin_,
                          std::to_string(kStreamMax)});
  if (!r) return r.error();
  return {};
}

StoreResult<bool> RedisGuardStore::remove_ban(std::string_view target, uint16_t port) {
  auto r = client_->eval(kRemoveBan, {client_->key("bans"), client_->key("ban_exp"), client_->key("events")},
                         {ban_field(target, port), origin_, std::to_string(kStreamMax), encode_unban(target, port)});
  if (!r) return r.error();
  return r->integer > 0;
}

StoreResult<std::vector<BanRecord>> RedisGuardStore::live_bans(int64_t now_ms) {
  auto r = client_->command({"HGETALL", client_->key("bans")});
  if (!r) return r.error();
  std::vector<BanRecord> out;
  for (size_t i = 1; i < r->elements.size(); i += 2) {
    auto b = decode_ban(r->elements[i].str);
    if (b && b->expires_ms > now_ms) out.push_back(std::move(*b));
  }
  std::sort(out.begin(), out.end(), [](const BanRecord& a, const BanRecord& b) {
    return std::tie(a.created_ms, a.target, a.port) < std::tie(b.created_ms, b.target, b.port);
  });
  return out;
}

StoreResult<std::size_t> RedisGuardStore::purge_expired_bans(int64_t now_ms) {
  auto r = client_->eval(kPurge, {client_->key("bans"), client_->key("ban_exp"), client_->key("locks")},
                         {std::to_string(now_ms)});
  if (!r) return r.error();
  return static_cast<std::size_t>(std::max<int64_t>(0, r->integer));
}

StoreResult<GuardChanges> RedisGuardStore::changes(std::string& cursor, int64_t now_ms) {
  GuardChanges out;
  if (cursor.empty()) {
    // The stream position first: what happens between it and the snapshot is read again
    // next time, and applying a change twice is harmless.
    auto last = client_->command({"XREVRANGE", client_->key("events"), "+", "-", "COUNT", "1"});
    if (!last) return last.error();
    std::string position = "0-0";
    if (!last->elements.empty() && !last->elements[0].elements.empty()) position = last->elements[0].elements[0].str;
    auto bans = live_bans(now_ms);
    if (!bans) return bans.error();
    auto locks = client_->command({"HGETALL", client_->key("locks")});
    if (!locks) return locks.error();
    out.reset = true;
    out.bans = std::move(bans).value();
    for (size_t i = 1; i < locks->elements.size(); i += 2) {
      auto until = redis_codec::to_int(locks->elements[i].str);
      if (until && *until > now_ms) out.locks.push_back({locks->elements[i - 1].str, *until});
    }
    cursor = position;
    return out;
  }
  auto r = client_->command({"XREAD", "COUNT", "1000", "STREAMS", client_->key("events"), cursor});
  if (!r) return r.error();
  if (r->is_nil() || r->elements.empty()) return out;
  // [[stream, [[id, [field, value, ...]], ...]]]
  const auto& stream = r->elements[0];
  if (stream.elements.size() < 2) return out;
  for (const auto& entry : stream.elements[1].elements) {
    if (entry.elements.size() < 2) continue;
    cursor = entry.elements[0].str;
    std::string_view origin, type, data;
    const auto& fields = entry.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].str == "o") origin = fields[i + 1].str;
      else if (fields[i].str == "t") type = fields[i + 1].str;
      else if (fields[i].str == "d") data = fields[i + 1].str;
    }
    if (origin == origin_) continue;
    if (type == "ban") {
      if (auto b = decode_ban(data)) out.bans.push_back(std::move(*b));
    } else if (type == "unban") {
      auto f = redis_codec::split(data);
      if (!f || f->size() != 2) continue;
      auto port = redis_codec::to_int((*f)[1]);
      if (!port || *port < 0 || *port > 65535) continue;
      out.unbans.push_back({(*f)[0], static_cast<uint16_t>(*port)});
    } else if (type == "lock") {
      if (auto l = decode_lock(data)) out.locks.push_back(std::move(*l));
    }
  }
  return out;
}

StoreResult<uint64_t> RedisGuardStore::add_count(std::string_view key, int64_t window_ms) {
  auto r = client_->eval(kCount, {client_->key("cnt:" + std::string(key))}, {std::to_string(std::max<int64_t>(1, window_ms))});
  if (!r) return r.error();
  return static_cast<uint64_t>(std::max<int64_t>(0, r->integer));
}

StoreResult<void> RedisGuardStore::put_lock(const LockRecord& lock) {
  auto r = client_->eval(kLock, {client_->key("locks"), client_->key("events")},
                         {lock.key, std::to_string(lock.until_ms), origin_, std::to_string(kStreamMax), encode_lock(lock)});
  if (!r) return r.error();
  return {};
}

StoreResult<bool> RedisGuardStore::use_nonce_count(std::string_view nonce, uint32_t nc, int64_t ttl_ms) {
  // Nonces are long; the key is a hash of it.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(nonce.data()), nonce.size(), digest);
  std::string key = client_->key("nc:" + crypto::to_hex(std::span<const uint8_t>(digest, 16)));
  auto r = client_->eval(kNonce, {key}, {std::to_string(nc), std::to_string(std::max<int64_t>(1, ttl_ms))});
  if (!r) return r.error();
  return r->integer == 1;
}

}  // namespace imsguard::store
