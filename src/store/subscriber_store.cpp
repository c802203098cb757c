#include "store/subscriber_store.h"

namespace imsguard::store {
namespace {

StoreResult<SharedSubscriber> share(StoreResult<std::optional<Subscriber>> found) {
  if (!found.ok()) return found.error();
  if (!found.value()) return SharedSubscriber{};
  return SharedSubscriber(std::make_shared<const Subscriber>(std::move(*found.value())));
}

}  // namespace

StoreResult<SharedSubscriber> SubscriberStore::find_shared(std::string_view impi) { return share(find(impi)); }

StoreResult<SharedSubscriber> SubscriberStore::find_shared_by_impu(std::string_view impu) {
  return share(find_by_impu(impu));
}

}  // namespace imsguard::store
