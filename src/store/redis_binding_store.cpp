#include "store/redis_binding_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "ops/counters.h"
#include "store/redis_codec.h"

namespace imsguard::store {
namespace {

std::string flow_suffix(std::string_view transport, std::string_view source, std::string_view flow_id) {
  std::string s = "bf:";
  s.append(transport);
  s += '|';
  s.append(source);
  s += '|';
  s.append(flow_id);
  return s;
}

std::string member(std::string_view aor, std::string_view contact) {
  std::string m(aor);
  m += '\n';
  m.append(contact);
  return m;
}

// KEYS: b:aor, bflow:aor, aors. ARGV: contact, record, flow key, member, aor.
constexpr const char* kUpsert = R"lua(
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old and old ~= ARGV[3] then redis.call('SREM', old, ARGV[4]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('SADD', ARGV[3], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[5])
return 1
)lua";

// KEYS: b:aor, bflow:aor, aors. ARGV: contact, member, aor.
constexpr const char* kRemove = R"lua(
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then redis.call('SREM', old, ARGV[2]) end
local n = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[3]) end
return n
)lua";

// kRemove, only while the record is still `expected` (ARGV[4]): a binding another edge
// refreshed after we read it is kept. KEYS: b:aor, bflow:aor, aors. ARGV: contact, member, aor, expected.
constexpr const char* kRemoveIfSame = R"lua(
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[4] then return 0 end
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then redis.call('SREM', old, ARGV[2]) end
local n = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[3]) end
return n
)lua";

// KEYS: b:aor, bflow:aor, aors. ARGV: aor.
constexpr const char* kRemoveAll = R"lua(
local flows = redis.call('HGETALL', KEYS[2])
for i = 1, #flows, 2 do redis.call('SREM', flows[i + 1], ARGV[1] .. '\n' .. flows[i]) end
local n = redis.call('HLEN', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return n
)lua";

// KEYS: flow key. ARGV: prefix. The bindings of the members (stale members are dropped).
constexpr const char* kByFlow = R"lua(
local out = {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local sep = string.find(m, '\n', 1, true)
  if sep then
    local v = redis.call('HGET', ARGV[1] .. 'b:' .. string.sub(m, 1, sep - 1), string.sub(m, sep + 1))
    if v then table.insert(out, v) else redis.call('SREM', KEYS[1], m) end
  end
end
return out
)lua";

// KEYS: aors. ARGV: prefix. Every binding of every AoR.
constexpr const char* kAll = R"lua(
local out = {}
for _, aor in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local vals = redis.call('HVALS', ARGV[1] .. 'b:' .. aor)
  if #vals == 0 then redis.call('SREM', KEYS[1], aor) end
  for _, v in ipairs(vals) do table.insert(out, v) end
end
return out
)lua";


std::vector<Binding> decode_all(const RedisReply& r, int64_t now) {
  std::vector<Binding> out;
  for (const auto& e : r.elements) {
    auto b = decode_binding(e.str);
    if (b && b->expires_at > now) out.push_back(std::move(*b));
  }
  return out;
}

bool by_aor_contact(const Binding& a, const Binding& b) {
  return std::tie(a.aor, a.contact) < std::tie(b.aor, b.contact);
}

}  // namespace

std::string encode_binding(const Binding& b) {
  std::string s;
  redis_codec::put(s, b.aor);
  redis_codec::put(s, b.contact);
  redis_codec::put(s, b.impi);
  redis_codec::put(s, b.transport);
  redis_codec::put(s, b.source);
  redis_codec::put(s, b.flow_id);
  redis_codec::put(s, b.call_id);
  redis_codec::put(s, int64_t{b.cseq});
  redis_codec::put(s, b.expires_at);
  redis_codec::put(s, b.path);
  return s;
}

std::optional<Binding> decode_binding(std::string_view text) {
  auto f = redis_codec::split(text);
  if (!f || f->size() != 10) return std::nullopt;
  auto cseq = redis_codec::to_int((*f)[7]);
  auto expires = redis_codec::to_int((*f)[8]);
  if (!cseq || *cseq < 0 || *cseq > UINT32_MAX || !expires || (*f)[0].empty() || (*f)[1].empty()) return std::nullopt;
  Binding b;
  b.aor = (*f)[0];
  b.contact = (*f)[1];
  b.impi = (*f)[2];
  b.transport = (*f)[3];
  b.source = (*f)[4];
  b.flow_id = (*f)[5];
  b.call_id = (*f)[6];
  b.cseq = static_cast<uint32_t>(*cseq);
  b.expires_at = *expires;
  b.path = (*f)[9];
  return b;
}

RedisBindingStore::RedisBindingStore(std::shared_ptr<RedisClient> client, int replay_ms)
    : client_(std::move(client)),
      queued_counter_(client_->metrics().get("imsguard_state_bindings_queued_total",
                                             "binding writes queued locally while Redis was unreachable")),
      dropped_counter_(client_->metrics().get("imsguard_state_bindings_queue_dropped_total",
                                              "queued binding writes dropped because the queue was full")),
      replay_ms_(replay_ms) {
  replayer_ = std::thread([this] { run(); });
}

RedisBindingStore::~RedisBindingStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (replayer_.joinable()) replayer_.join();
  replay();  // a last try; what Redis does not take now is lost with the process
}

size_t RedisBindingStore::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

StoreResult<void> RedisBindingStore::apply_remote(const Change& c) {
  switch (c.kind) {
    case Change::Kind::kUpsert: {
      const Binding& b = c.binding;
      auto r = client_->eval(kUpsert,
                             {client_->key("b:" + b.aor), client_->key("bflow:" + b.aor), client_->key("aors")},
                             {b.contact, encode_binding(b), client_->key(flow_suffix(b.transport, b.source, b.flow_id)),
                              member(b.aor, b.contact), b.aor});
      if (!r) return r.error();
      return {};
    }
    case Change::Kind::kRemove: {
      auto r = remote_remove(c.binding.aor, c.binding.contact);
      if (!r) return r.error();
      return {};
    }
    case Change::Kind::kRemoveAll: {
      auto r = remote_remove_all(c.binding.aor);
      if (!r) return r.error();
      return {};
    }
  }
  return {};
}

StoreResult<bool> RedisBindingStore::remote_remove(std::string_view aor, std::string_view contact) {
  std::string a(aor);
  auto r = client_->eval(kRemove, {client_->key("b:" + a), client_->key("bflow:" + a), client_->key("aors")},
                         {std::string(contact), member(aor, contact), a});
  if (!r) return r.error();
  return r->integer > 0;
}

StoreResult<std::size_t> RedisBindingStore::remote_remove_all(std::string_view aor) {
  std::string a(aor);
  auto r = client_->eval(kRemoveAll, {client_->key("b:" + a), client_->key("bflow:" + a), client_->key("aors")}, {a});
  if (!r) return r.error();
  return static_cast<std::size_t>(std::max<int64_t>(0, r->integer));
}

void RedisBindingStore::write(Change c) {
  std::unique_lock lock(mu_);
  if (queue_.empty()) {
    // Under mu_ so a concurrent write cannot overtake this one through the queue.
    if (apply_remote(c).ok()) return;
  }
  if (queue_.size() >= kMaxPending) {
    queue_.pop_front();
    ++dropped_;
    dropped_counter_.inc();
  }
  queue_.push_back(std::move(c));
  queued_counter_.inc();
  lock.unlock();
  wake_.notify_all();
}

bool RedisBindingStore::replay() {
  std::lock_guard lock(mu_);
  while (!queue_.empty()) {
    auto r = apply_remote(queue_.front());
    // A refused write (kInvalid: a script error) would block the queue forever: drop it.
    if (!r && r.code() == StoreErrc::kUnavailable) return false;
    if (!r) spdlog::error("shared state: dropping a queued binding write Redis refused: {}", r.message());
    queue_.pop_front();
  }
  return true;
}

void RedisBindingStore::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(replay_ms_));
    if (stopping_ || queue_.empty()) continue;
    lock.unlock();
    if (replay()) spdlog::info("shared state: queued binding writes replayed to Redis");
    lock.lock();
  }
}

StoreResult<void> RedisBindingStore::upsert(const Binding& b) {
  if (b.aor.empty() || b.contact.empty()) return invalid("binding needs an AoR and a contact");
  if (auto r = mirror_.upsert(b); !r) return r;
  write({Change::Kind::kUpsert, b});
  return {};
}

StoreResult<bool> RedisBindingStore::remove(std::string_view aor, std::string_view contact) {
  auto local = mirror_.remove(aor, contact);
  bool removed = local.ok() && local.value();
  {
    std::unique_lock lock(mu_);
    if (queue_.empty()) {
      auto r = remote_remove(aor, contact);
      if (r) return r.value() || removed;
    }
  }
  Binding key;
  key.aor = std::string(aor);
  key.contact = std::string(contact);
  write({Change::Kind::kRemove, std::move(key)});
  return removed;
}

StoreResult<std::size_t> RedisBindingStore::remove_all(std::string_view aor) {
  auto local = mirror_.remove_all(aor);
  std::size_t removed = local.ok() ? local.value() : 0;
  {
    std::unique_lock lock(mu_);
    if (queue_.empty()) {
      auto r = remote_remove_all(aor);
      if (r) return std::max(r.value(), removed);
    }
  }
  Binding key;
  key.aor = std::string(aor);
  write({Change::Kind::kRemoveAll, std::move(key)});
  return removed;
}

StoreResult<std::vector<Binding>> RedisBindingStore::remote_lookup(std::string_view aor, int64_t now) {
  auto r = client_->command({"HVALS", client_->key("b:" + std::string(aor))});
  if (!r) return r.error();
  auto out = decode_all(r.value(), now);
  std::sort(out.begin(), out.end(), by_aor_contact);
  return out;
}

StoreResult<std::vector<Binding>> RedisBindingStore::lookup(std::string_view aor, int64_t now) {
  if (pending() == 0) {
    auto r = remote_lookup(aor, now);
    if (r) {
      // Refresh the mirror with what the other edges registered for this AoR.
      (void)mirror_.remove_all(aor);
      for (const auto& b : r.value()) (void)mirror_.upsert(b);
      return r;
    }
  }
  return mirror_.lookup(aor, now);
}

StoreResult<std::vector<Binding>> RedisBindingStore::find_by_flow(std::string_view transport, std::string_view source,
                                                                  std::string_view flow_id, int64_t now) {
  if (pending() == 0) {
    auto r = client_->eval(kByFlow, {client_->key(flow_suffix(transport, source, flow_id))}, {client_->url().prefix});
    if (r) {
      std::vector<Binding> out;
      for (auto& b : decode_all(r.value(), now))
        if (b.transport == transport && b.source == source && b.flow_id == flow_id) out.push_back(std::move(b));
      std::sort(out.begin(), out.end(), by_aor_contact);
      return out;
    }
  }
  return mirror_.find_by_flow(transport, source, flow_id, now);
}

StoreResult<std::size_t> RedisBindingStore::purge_expired(int64_t now) {
  auto local = mirror_.purge_expired(now);
  if (pending() != 0) return local;
  auto all = client_->eval(kAll, {client_->key("aors")}, {client_->url().prefix});
  if (!all) return local;
  std::size_t removed = 0;
  for (const auto& e : all->elements) {
    auto b = decode_binding(e.str);
    if (!b || b->expires_at > now) continue;
    if (auto r = remote_remove(b->aor, b->contact); r && r.value()) ++removed;
  }
  return removed;
}

StoreResult<std::size_t> RedisBindingStore::purge_expired_of(std::string_view aor, int64_t now) {
  auto local = mirror_.purge_expired_of(aor, now);
  if (pending() != 0) return local;
  // One AoR's hash. Each expired record is removed only if it is still the one we read, so a
  // binding another edge refreshed meanwhile is not lost to a stale decision.
  std::string a(aor);
  auto all = client_->command({"HVALS", client_->key("b:" + a)});
  if (!all) return local;
  std::size_t removed = 0;
  for (const auto& e : all->elements) {
    auto b = decode_binding(e.str);
    if (!b || b->aor != aor || b->expires_at > now) continue;
    auto r = client_->eval(kRemoveIfSame, {client_->key("b:" + a), client_->key("bflow:" + a), client_->key("aors")},
                           {b->contact, member(aor, b->contact), a, e.str});
    if (r && r->integer > 0) ++removed;
  }
  return removed;
}

StoreResult<std::vector<Binding>> RedisBindingStore::list(int64_t now) {
  if (pending() == 0) {
    auto r = client_->eval(kAll, {client_->key("aors")}, {client_->url().prefix});
    if (r) {
      auto out = decode_all(r.value(), now);
      std::sort(out.begin(), out.end(), by_aor_contact);
      for (const auto& b : out) (void)mirror_.upsert(b);
      return out;
    }
  }
  return mirror_.list(now);
}

}  // namespace imsguard::store
