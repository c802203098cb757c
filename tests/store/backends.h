#pragma once
// The backends the typed store tests run against: every SubscriberStore/BindingStore must pass
// the same suite, so a test written once holds for memory, SQLite and later Redis.
#include <gtest/gtest.h>

#include "store/state.h"

namespace imsguard::store::testing {

struct MemoryBackend {
  static constexpr const char* kKind = "memory";
};
struct SqliteBackend {
  static constexpr const char* kKind = "sqlite";
};

using Backends = ::testing::Types<MemoryBackend, SqliteBackend>;

class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return T::kKind;
  }
};

}  // namespace imsguard::store::testing
