#include "service/revocation.h"

#include <chrono>

namespace imsguard::service {

SubscriberActive store_revocation_view(store::SubscriberStore& subscribers, store::BindingStore& bindings) {
  return [&subscribers, &bindings](std::string_view impu) {
    auto sub = subscribers.find_by_impu(impu);
    if (!sub.ok() || !sub.value().has_value() || sub.value()->barred) return false;
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    auto b = bindings.lookup(impu, now);
    return b.ok() && !b.value().empty();
  };
}

}  // namespace imsguard::service
