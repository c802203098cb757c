#pragma once
// Bounds what a Redis reply may make us allocate. hiredis 0.14 (Debian 12) allocates an
// array's element table from the count in its header before any element arrives, so the
// nine bytes "*7000000\r\n" from a hostile or broken server cost gigabytes (found by the
// fuzz target). The limit sits in the reader's object callbacks, the one place that sees the
// count first; 1.x's `maxelements` is the same idea.
struct redisReader;

namespace imsguard::store {

// Largest aggregate a reply may announce. The biggest reply we ask for is one AoR's bindings
// (a few fields per binding, capped per AoR) or a page of bans, far below this.
inline constexpr int kMaxReplyElements = 1 << 20;

// Makes `reader` refuse (as a protocol error) any array longer than kMaxReplyElements.
void limit_reply_size(redisReader* reader);

}  // namespace imsguard::store
