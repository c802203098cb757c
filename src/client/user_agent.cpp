#include "client/user_agent.h"

#include "client/transport_impl.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/uri.h"
#include "sip/validation.h"

#include <algorithm>
#include <strings.h>

namespace imsguard::client {

namespace {

constexpr auto kT1 = std::chrono::milliseconds(500);
constexpr auto kT2 = std::chrono::milliseconds(4000);
constexpr auto kTimerF = 64 * kT1;
constexpr size_t kSeenMessages = 64;
constexpr std::string_view kAllow = "MESSAGE, OPTIONS";

std::string seconds_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::optional<uint32_t> parse_u32(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xffffffffULL) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n' || c == '\t') out.push_back(' ');
    else if (u < 0x20 || u == 0x7f) out.push_back('?');
    else out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string status_text(const sip::Message& m) {
  return std::to_string(m.status_code()) + " " + sanitize(m.reason());
}

}  // namespace

std::string impu_domain(std::string_view impu) {
  auto uri = sip::parse_uri(impu);
  if (!uri || !uri->is_sip()) return {};
  return std::string(uri->host);
}

std::string impu_user(std::string_view impu) {
  auto uri = sip::parse_uri(impu);
  if (!uri || !uri->is_sip() || !uri->has_user) return {};
  return std::string(uri->user);
}

std::string message_line(const sip::Message& request) {
  std::string who;
  if (auto pais = request.p_asserted_identities(); pais && !pais->empty()) {
    for (const auto& p : *pais) who += (who.empty() ? "" : ", ") + sanitize(p.uri.raw);
  } else {
    auto from = request.from();
    who = "unasserted sender (From " + (from ? sanitize(from->uri.raw) : std::string("?")) + ")";
  }
  return "MESSAGE from " + who + ": " + sanitize(request.body());
}

std::optional<std::string> Outcome::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  return std::nullopt;
}

UserAgent::UserAgent(Transport& transport, UserAgentOptions options)
    : transport_(transport), options_(std::move(options)), answerer_(options_.credentials) {
  via_.kind = transport_.kind();
  via_.host = transport_.local_host();
  via_.port = transport_.local_port();
  domain_ = impu_domain(options_.impu);
  register_uri_ = "sip:" + detail::uri_host(domain_);
  std::string user = impu_user(options_.impu);
  contact_ = "sip:" + (user.empty() ? std::string() : user + "@") + detail::uri_host(via_.host) + ":" +
             std::to_string(via_.port) + ";transport=" + std::string(transport_token(via_.kind));
  register_call_id_ = random_token(12) + "@" + detail::uri_host(via_.host);
  register_tag_ = random_token(6);
  local_tag_ = random_token(6);
}

void UserAgent::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

std::unique_ptr<ParsedResponse> UserAgent::dispatch(std::string bytes) {
  auto p = std::make_unique<ParsedResponse>();
  p->bytes = std::move(bytes);
  sip::Limits limits;
  sip::ParseResult r = transport_.reliable() ? sip::parse_stream_message(p->bytes, limits, p->msg)
                                             : sip::parse_datagram(p->bytes, limits, p->msg);
  if (r.status == sip::ParseStatus::kDrop) return nullptr;
  if (r.status == sip::ParseStatus::kReject) {
    // A lost flow shows in the next receive(); the answer to a bad request is best effort.
    if (p->msg.is_request()) (void)transport_.send(sip::make_response(p->msg, r.code, r.reason));
    return nullptr;
  }
  if (p->msg.is_request()) {
    on_request(p->msg);
    return nullptr;
  }
  if (sip::check_response(p->msg)) return nullptr;
  return p;
}

// The answers are best effort: when the flow is gone, the next receive() says so.
void UserAgent::on_request(const sip::Message& req) {
  switch (req.method()) {
    case sip::Method::kAck:
      return;
    case sip::Method::kMessage: {
      (void)transport_.send(sip::make_response(req, 200, "OK", {}, local_tag_));
      auto cseq = req.cseq();
      std::string key = std::string(req.call_id()) + "|" + (cseq ? std::to_string(cseq->number) : std::string());
      if (std::find(seen_messages_.begin(), seen_messages_.end(), key) != seen_messages_.end()) return;
      seen_messages_.push_back(key);
      if (seen_messages_.size() > kSeenMessages) seen_messages_.pop_front();
      ++messages_received_;
      if (options_.on_message) options_.on_message(message_line(req));
      return;
    }
    case sip::Method::kOptions: {
      const sip::HeaderPair extra[] = {{"Allow", kAllow}, {"Accept", "text/plain"}};
      (void)transport_.send(sip::make_response(req, 200, "OK", extra, local_tag_));
      return;
    }
    default: {
      const sip::HeaderPair extra[] = {{"Allow", kAllow}};
      (void)transport_.send(sip::make_response(req, 405, "Method Not Allowed", extra, local_tag_));
      return;
    }
  }
}

StatusOr<std::unique_ptr<ParsedResponse>> UserAgent::transact(const RequestSpec& spec) {
  std::string bytes = build_request(spec, via_);
  if (Status sent = transport_.send(bytes); !sent.ok()) return sent;
  auto limit = std::min<std::chrono::milliseconds>(options_.timeout, kTimerF);
  Clock::time_point start = Clock::now();
  Clock::time_point deadline = start + limit;
  auto interval = std::chrono::duration_cast<Clock::duration>(kT1);
  Clock::time_point next_retransmit = start + interval;
  bool provisional = false;
  for (;;) {
    Clock::time_point wake = transport_.reliable() ? deadline : std::min(deadline, next_retransmit);
    Received r = transport_.receive(wake);
    if (r.status == Received::Status::kMessage) {
      auto p = dispatch(std::move(r.bytes));
      if (!p) continue;
      auto top = p->msg.top_via();
      auto cseq = p->msg.cseq();
      if (!top || !top->branch || *top->branch != spec.branch || !cseq || cseq->method != spec.method ||
          cseq->number != spec.cseq)
        continue;  // a stray or late answer to an earlier transaction
      if (p->msg.status_code() < 200) {
        provisional = true;
        continue;
      }
      return p;
    }
    if (r.status != Received::Status::kTimeout) return unavailable_error(r.error);
    Clock::time_point now = Clock::now();
    if (now >= deadline) {
      return unavailable_error("no final answer to " + spec.method + " from " + transport_.describe() + " within " +
                               seconds_text(limit) + (provisional ? " (only provisional answers)" : ""));
    }
    if (!transport_.reliable() && now >= next_retransmit) {
      if (Status sent = transport_.send(bytes); !sent.ok()) return sent;
      // RFC 3261 17.1.2.2: double up to T2; after a provisional answer, every T2.
      interval = provisional ? std::chrono::duration_cast<Clock::duration>(kT2)
                             : std::min<Clock::duration>(interval * 2, kT2);
      next_retransmit = now + interval;
    }
  }
}

Outcome UserAgent::authenticated(RequestSpec spec, bool is_register) {
  Outcome out;
  const std::string& method = spec.method;
  const std::string& uri = spec.request_uri;
  std::optional<Header> auth;
  if (is_register) {
    // A refresh reuses the last nonce (next nc); the first REGISTER of an AKA UE names its
    // IMPI (TS 24.229), a Digest client's carries no credentials.
    if (auto reuse = answerer_.reuse(method, uri, spec.body)) auth = Header{reuse->header_name, reuse->header_value};
    else if (answerer_.is_aka()) auth = Header{"Authorization", answerer_.initial_authorization(uri)};
  }
  bool answered_fresh = false;
  int stale = 0, resyncs = 0, too_brief = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    spec.branch = new_branch();
    spec.cseq = is_register ? ++register_cseq_ : ++cseq_;
    spec.headers.clear();
    if (auth) spec.headers.push_back(*auth);
    for (const auto& h : options_.extra_headers) spec.headers.push_back(h);
    auto transacted = transact(spec);
    if (!transacted.ok()) {
      out.error = transacted.status();
      return out;
    }
    std::unique_ptr<ParsedResponse> p = std::move(transacted).value();
    const sip::Message& m = p->msg;
    int code = m.status_code();
    out.status = code;
    out.reason = sanitize(m.reason());
    out.headers.clear();
    for (const auto& h : m.headers()) out.headers.emplace_back(std::string(h.name), std::string(h.value));
    if (code == 401 || code == 407) {
      Answer a = answerer_.answer(m, method, uri, spec.body);
      switch (a.status) {
        case AnswerStatus::kNoUsableChallenge:
        case AnswerStatus::kNetworkAuthFailed:
        case AnswerStatus::kRefused:
          out.error = unavailable_error(a.error);
          return out;
        case AnswerStatus::kInternalError:
          out.error = internal_error(a.error);
          return out;
        case AnswerStatus::kResync:
          if (++resyncs > 1) {
            out.error = unavailable_error(
                "authentication failed: the network's SQN is still not fresh after a resynchronisation");
            return out;
          }
          log("AKA: SQN not fresh for our USIM; answering with AUTS (resynchronisation)");
          answered_fresh = false;
          auth = Header{a.header_name, a.header_value};
          continue;
        case AnswerStatus::kOk:
          if (answered_fresh && !a.stale) {
            out.error = unavailable_error("authentication failed: " + method + " challenged again (" +
                                          status_text(m) + ") after our answer; wrong " +
                                          (answerer_.is_aka() ? "keys" : "password") + " or identity?");
            return out;
          }
          if (a.stale && ++stale > 2) {
            out.error = unavailable_error("authentication failed: the server keeps calling our nonce stale");
            return out;
          }
          log(std::string("challenged (") + status_text(m) + "); answering");
          answered_fresh = true;
          auth = Header{a.header_name, a.header_value};
          continue;
      }
    }
    if (code == 423 && is_register && spec.expires && *spec.expires != 0 && too_brief++ == 0) {
      auto min = m.find(sip::HeaderId::kMinExpires);
      auto value = min ? parse_u32(min->value) : std::nullopt;
      if (value && *value > *spec.expires) {
        log("423 Interval Too Brief: retrying with Expires " + std::to_string(*value));
        spec.expires = *value;
        if (auto reuse = answerer_.reuse(method, uri, spec.body)) auth = Header{reuse->header_name, reuse->header_value};
        continue;
      }
    }
    if (code >= 200 && code < 300) {
      if (is_register) note_registration(m, spec.expires.value_or(options_.expires));
      return out;
    }
    out.error = unavailable_error(method + " refused: " + status_text(m));
    return out;
  }
  out.error = unavailable_error(method + ": too many challenges; giving up");
  return out;
}

void UserAgent::note_registration(const sip::Message& ok, uint32_t requested) {
  if (requested == 0) {
    registered_until_.reset();
    return;
  }
  uint32_t granted = requested;
  bool found = false;
  if (auto contacts = ok.contacts()) {
    for (const auto& c : *contacts) {
      if (c.uri.raw != contact_) continue;
      if (auto e = c.param("expires")) {
        if (auto v = parse_u32(*e)) {
          granted = *v;
          found = true;
        }
      }
    }
    if (!found) {
      // Our Contact is not in the answer: the registrar did not keep it.
      if (auto e = ok.expires()) granted = *e;
    }
  }
  associated_uris_.clear();
  if (auto uris = ok.name_addrs(sip::HeaderId::kPAssociatedUri))
    for (const auto& u : *uris) associated_uris_.emplace_back(u.uri.raw);
  granted_expires_ = granted;
  Clock::time_point now = Clock::now();
  registered_until_ = now + std::chrono::seconds(granted);
  // Refresh early enough that a slow answer (retransmissions up to the timeout) still lands
  // before expiry: half way for short registrations, a minute before for long ones.
  uint32_t refresh_in = granted <= 120 ? std::max<uint32_t>(1, granted / 2) : granted - 60;
  refresh_at_ = now + std::chrono::seconds(refresh_in);
}

// Every REGISTER of this agent: one dialog-like Call-ID and From tag for the binding's life.
RequestSpec UserAgent::register_spec(uint32_t expires) const {
  RequestSpec spec;
  spec.method = "REGISTER";
  spec.request_uri = register_uri_;
  spec.from_uri = options_.impu;
  spec.from_tag = register_tag_;
  spec.to_uri = options_.impu;
  spec.call_id = register_call_id_;
  spec.contact = contact_;
  spec.expires = expires;
  return spec;
}

Outcome UserAgent::register_binding() { return authenticated(register_spec(options_.expires), true); }

Outcome UserAgent::unregister() {
  Outcome o = authenticated(register_spec(0), true);
  if (o.ok()) registered_until_.reset();
  return o;
}

Outcome UserAgent::send_request(const std::string& method, const std::string& target, const std::string& content_type,
                                const std::string& body) {
  RequestSpec spec;
  spec.method = method;
  spec.request_uri = target;
  spec.from_uri = options_.impu;
  spec.from_tag = random_token(6);
  spec.to_uri = target;
  spec.call_id = random_token(12) + "@" + detail::uri_host(via_.host);
  spec.content_type = content_type;
  spec.body = body;
  return authenticated(std::move(spec), false);
}

Outcome UserAgent::serve(Clock::time_point until) {
  Outcome out;
  for (;;) {
    Clock::time_point now = Clock::now();
    if (now >= until) break;
    if (registered_until_ && now >= refresh_at_) {
      log("refreshing the registration");
      Outcome r = register_binding();
      if (!r.ok()) {
        r.error = Status(r.error.code(), "registration refresh failed: " + r.error.message());
        return r;
      }
      ++refreshes_;
      continue;
    }
    Clock::time_point wake = registered_until_ ? std::min(until, refresh_at_) : until;
    Received r = transport_.receive(wake);
    if (r.status == Received::Status::kMessage) {
      dispatch(std::move(r.bytes));  // stray responses are dropped
      continue;
    }
    if (r.status != Received::Status::kTimeout) {
      out.error = unavailable_error("flow to the edge lost: " + r.error);
      return out;
    }
  }
  return out;
}

}  // namespace imsguard::client
