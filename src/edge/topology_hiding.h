#pragma once
// Topology hiding (identity.topology_hiding): what leaves the edge toward a client must not
// map the operator's network. Without it a phone learns, from the messages the core sends
// it, the names and addresses of the S-CSCF, of the application servers and of every proxy
// in between (their Vias in a terminating request, their Record-Route entries in a dialog,
// the Service-Route of its registration, the Server header and the Warning agents of their
// answers), which is the reconnaissance a targeted attack on the core starts with (TVRA
// asset "topology"). The service box's answers could likewise name the box.
//
// How (the stateless way of Kamailio's topoh and RFC 3261 16.7's Via encoding): the edge
// stays the only hop a client sees.
// - A request from the core toward a client keeps only the edge's own Via; the Vias below it
//   are sealed into an `igh` parameter of that Via, which the client copies into its
//   answers, and the edge puts them back on the answer it relays to the core.
// - Record-Route entries of the network become one entry naming the edge whose `igh`
//   parameter seals them; the client's route set then holds only the edge, and the edge
//   expands the sealed entry in the Route of each in-dialog request (and in the Record-Route
//   a callee echoes in its answers) before anything goes to the core. Service-Route the same
//   way (sealed until the registration can last).
// - The Contact of a request or a 1xx/2xx answer from the core (an application server's or
//   the S-CSCF's address, the remote target of the dialog) becomes a URI naming the edge
//   whose `igh` parameter seals the original URI (bound to the Call-ID); the client's
//   in-dialog requests then target the edge, which puts the original back as Request-URI
//   before anything goes to the core. A 2xx to REGISTER lists the client's own Contacts and
//   is left as it is.
// - Path entries other than the edge's own, Server and User-Agent headers of the core's
//   messages, and the Route entries left in a request toward a client are removed; the agent
//   of a Warning becomes the domain name, and its text is emptied when it could name a host
//   (it holds a '.', ':' or '@': some servers write the request's addresses there).
// Sealing is AES-256-GCM under a key derived from the flow-token key (data_dir/flow.key), with
// the purpose, an expiry and what the message binds it to (Call-ID, CSeq method) as
// associated data: a client cannot read what it hides, nor forge or move a sealed entry to
// another dialog. Restoring always runs (also with the key off), so dialogs made while it was
// on keep working after a restart with it off.
//
// Not hidden: the media addresses in SDP (the media must reach them), the Contacts of a
// 3xx (redirect targets a client may try under another Call-ID), what peer edges (sip.peers)
// add. The edge's own relaying between subscribers (no S-CSCF) rewrites no Contact.
#include "config/config.h"
#include "edge/flow_token.h"
#include "net/flow.h"
#include "ops/counters.h"
#include "sip/message.h"
#include "sip/name_addr.h"
#include "sip/writer.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::edge {

struct TopologyHidingCounters;

class TopologyHiding {
 public:
  // The URI and Via parameter that carries a sealed list.
  static constexpr std::string_view kParam = "igh";

  TopologyHiding(const config::Config& config, const FlowTokens& tokens, ops::CounterRegistry& metrics);
  ~TopologyHiding();
  TopologyHiding(const TopologyHiding&) = delete;
  TopologyHiding& operator=(const TopologyHiding&) = delete;

  // identity.topology_hiding (and a key to seal with).
  bool enabled() const;

  // A request from the core toward `client`: the Vias of `msg` are removed from `w` and
  // sealed into ";igh=..." appended to `our_via` (the Via the edge is about to prepend), its
  // Record-Route becomes one sealed entry naming the edge, its Contact a sealed URI naming
  // the edge, the Route left after ours, Server and User-Agent go, Warning agents become the
  // domain. Returns false when sealing failed
  // (nothing may be sent: the Vias would be lost). A no-op returning true when disabled.
  bool request_to_client(sip::MessageWriter& w, const sip::Message& msg, const net::Flow& client,
                         std::string& our_via) const;
  // A response from the core toward `client` (after the edge popped its Via): Record-Route
  // above the edge's own entries, Service-Route and the Contact of a 1xx/2xx (not of
  // REGISTER) sealed, foreign Path entries, Server and User-Agent removed, Warning agents
  // replaced.
  void response_to_client(sip::MessageWriter& w, const sip::Message& msg, const net::Flow& client) const;
  // A response from a client on its way back to the core: the Vias sealed in our Via (`top`,
  // already removed from `w`) and the sealed Record-Route entries are put back. Runs whether
  // or not hiding is enabled.
  void response_to_core(sip::MessageWriter& w, const sip::Message& msg, const sip::Via& top) const;

  // The Route of a request from a client, from entry `first` on (after the edge's own), with
  // every sealed entry expanded back to the entries it hides. `forged`: a sealed entry that
  // does not open (tampered, expired, another dialog's); `changed`: one was expanded. With
  // `first` 0 and nothing sealed, `value` stays empty (the caller keeps the Route as it is).
  struct Routes {
    std::string value;  // comma-joined; empty when no entry is left
    bool changed = false;
    bool forged = false;
  };
  Routes restore_routes(const std::vector<sip::NameAddr>& routes, size_t first, std::string_view call_id) const;

  // The Request-URI of a request from a client: when it is a Contact the edge sealed (an
  // `igh` parameter), `uri` is the original the seal hides, to be the Request-URI toward the
  // core. `forged`: the seal does not open (tampered, expired, another dialog's). Both empty
  // and false for any other Request-URI. Runs whether or not hiding is enabled.
  struct Target {
    std::string uri;
    bool forged = false;
  };
  Target restore_target(std::string_view request_uri, std::string_view call_id) const;

  // Whether the top Via of `response` is ours with the Vias below it sealed.
  static bool seals_vias(const sip::Message& response);

  // Sealing, public for tests. `purpose` is one letter ('v' Vias, 'r' a route set, 's' a
  // Service-Route, 'c' a Contact); the blob is base64url (a URI and Via parameter value as it is).
  std::string seal(char purpose, std::string_view binding, int64_t expires_unix_s, std::string_view plain) const;
  std::optional<std::string> open(char purpose, std::string_view binding, std::string_view blob, int64_t now_unix_s) const;

 private:
  std::string sealed_route(char purpose, std::string_view binding, int64_t expires, const std::vector<std::string>& entries,
                           const net::Flow& client, std::string_view user) const;
  void scrub_headers(sip::MessageWriter& w, const sip::Message& msg) const;
  // The Contact of `msg` replaced by the edge's URI on `client`'s hop sealing the original.
  void hide_contact(sip::MessageWriter& w, const sip::Message& msg, const net::Flow& client, int64_t now) const;
  // The entries a sealed route entry stands for (a dialog's route set, or a Service-Route).
  std::vector<std::string> expand(const sip::NameAddr& entry, std::string_view call_id, bool& forged) const;

  const config::Config& config_;
  std::optional<std::array<uint8_t, 32>> key_;
  std::unique_ptr<TopologyHidingCounters> counters_;
};

// The answer of a service box on its way to a subscriber (service::CoreRouter): no Server or
// User-Agent, Warning agents become the domain, no Record-Route entry of the box's own (the
// core adds the edge's), and a Contact naming anything but the service's URI is replaced by
// it (the box's address is the operator's; in-dialog requests reach the box by that URI).
// Returns the number of changes; counted in imsguard_topology_hidden_total.
// Its counters, resolved once by the owner (the core router), not looked up per answer.
struct ServiceAnswerCounters {
  explicit ServiceAnswerCounters(ops::CounterRegistry& m)
      : server(m.get("imsguard_topology_hidden_total{header=\"server\"}")),
        warning(m.get("imsguard_topology_hidden_total{header=\"warning\"}")),
        record_route(m.get("imsguard_topology_hidden_total{header=\"record_route\"}")),
        contact(m.get("imsguard_topology_hidden_total{header=\"contact\"}")) {}
  ops::Counter& server;
  ops::Counter& warning;
  ops::Counter& record_route;
  ops::Counter& contact;
};
size_t hide_service_answer(const ServiceAnswerCounters& counters, const config::Config& config, sip::MessageWriter& w,
                           const sip::Message& answer, std::string_view service_uri);

}  // namespace imsguard::edge
