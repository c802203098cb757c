#pragma once
// The admin API's view of a running node (ops::AdminBackend over the guard chain and the
// state stores). Kept apart from node.cpp so the node only wires it in.
#include <mutex>
#include <string>

#include "config/config.h"
#include "edge/registrar.h"
#include "guard/chain.h"
#include "ops/admin_api.h"
#include "store/binding_store.h"
#include "store/subscriber_store.h"

namespace imsguard::edge {

class NodeAdmin final : public ops::AdminBackend {
 public:
  // All three must outlive this object.
  NodeAdmin(guard::Chain& guards, store::BindingStore& bindings, store::SubscriberStore& subscribers);

  std::vector<ops::AdminBan> list_bans() override;
  ops::AdminStatus add_ban(std::string_view prefix, uint32_t ttl_s, std::string_view reason) override;
  ops::AdminStatus remove_ban(std::string_view prefix, uint16_t port) override;
  ops::AdminStatus list_registrations(std::vector<ops::AdminBinding>& out) override;
  ops::AdminStatus registrations_of(std::string_view aor, std::vector<ops::AdminBinding>& out) override;
  // Through the registrar (set_registrar), so the flows lose their registration too.
  ops::AdminStatus remove_registrations(std::string_view aor, std::string_view contact, size_t& removed) override;
  std::vector<ops::AdminLockout> list_lockouts() override;
  ops::AdminStatus unlock(std::string_view subject, ops::AdminLockout& lifted) override;
  // The registrar whose bindings and registered flows the API removes (must outlive this).
  void set_registrar(Registrar* registrar) { registrar_ = registrar; }
  // `id` is an IMPI, or an IMPU (sip:, sips:, tel:) of the subscriber.
  ops::AdminStatus subscriber(std::string_view id, ops::AdminSubscriber& out) override;
  ops::AdminStatus effective_config(std::string& yaml) override;
  // The configuration in force; the node calls it at start and after each reload.
  void set_config(const config::Config& config);

 private:
  std::mutex config_mu_;
  std::string config_yaml_;  // effective_yaml() of the last set_config
  guard::Chain& guards_;
  store::BindingStore& bindings_;
  store::SubscriberStore& subscribers_;
  Registrar* registrar_ = nullptr;
};

}  // namespace imsguard::edge
