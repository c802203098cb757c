#include "store/redis_reply_limit.h"

#include <hiredis/hiredis.h>

namespace imsguard::store {

namespace {

// hiredis's own callbacks, with createArray wrapped.
struct LimitedFunctions {
  redisReplyObjectFunctions functions{};
  void* (*create_array)(const redisReadTask*, int) = nullptr;
};

void* create_bounded_array(const redisReadTask* task, int elements);

// The defaults are static inside hiredis and every reader starts with the same table, so the
// first reader tells us what to wrap. Initialised once (a function-local static is
// thread-safe); later calls, including from create_bounded_array, only read it.
const LimitedFunctions& limited_table(const redisReplyObjectFunctions* defaults) {
  static const LimitedFunctions table = [defaults] {
    LimitedFunctions t;
    t.functions = *defaults;
    t.create_array = defaults->createArray;
    t.functions.createArray = &create_bounded_array;
    return t;
  }();
  return table;
}

void* create_bounded_array(const redisReadTask* task, int elements) {
  // NULL makes the reader fail with a protocol error; nothing has been allocated yet.
  if (elements > kMaxReplyElements) return nullptr;
  return limited_table(nullptr).create_array(task, elements);
}

}  // namespace

void limit_reply_size(redisReader* reader) {
  if (reader == nullptr || reader->fn == nullptr) return;
  if (reader->fn->createArray == &create_bounded_array) return;
  // hiredis never writes through fn; the cast only matches its non-const field.
  reader->fn = const_cast<redisReplyObjectFunctions*>(&limited_table(reader->fn).functions);
}

}  // namespace imsguard::store
