#include "guard/clock.h"

#include <chrono>

namespace imsguard::guard {

int64_t steady_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace imsguard::guard
