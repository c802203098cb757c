#pragma once
// The revocation view the content server consults on every fetch: a token stays valid only
// while its subscriber is neither barred nor de-registered. It reads the core's own state
// stores (subscribers and bindings), so in one process it is the core's live state and as a
// separate process (same data_dir, SQLite) it sees the core's writes on the next fetch:
// no push channel to lose, at the price of one indexed lookup per fetch.
#include "service/content_token.h"
#include "store/binding_store.h"
#include "store/subscriber_store.h"

namespace imsguard::service {

// Active = a subscriber owns this IMPU, is not barred, and has at least one unexpired
// binding. Store errors count as inactive (fail closed). The stores must outlive the result.
SubscriberActive store_revocation_view(store::SubscriberStore& subscribers, store::BindingStore& bindings);

}  // namespace imsguard::service
