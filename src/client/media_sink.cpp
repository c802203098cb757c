#include "client/media_sink.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <openssl/rand.h>

#include "media/rtp.h"
#include "media/udp.h"
#include "sip/uri.h"

namespace imsguard::client {
namespace {

// media::bind_udp and connect_udp say why in words only: an address that is not an IP
// address (v4, v6, [v6]) is the caller's fault, any other failure the system's.
Status udp_failure(const std::string& address, std::string message) {
  std::string_view host = address;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!sip::is_ipv4(host) && !sip::is_ipv6(host)) return invalid_argument(std::move(message));
  return unavailable_error(std::move(message));
}

}  // namespace

StatusOr<std::unique_ptr<MediaSink>> MediaSink::open(const std::string& address) {
  auto sock = media::bind_udp(address);
  if (!sock) return udp_failure(address, sock.error);
  std::unique_ptr<MediaSink> s(new MediaSink);
  s->fd_ = sock.fd;
  s->port_ = sock.port;
  s->address_ = address;
  // The SSRC is public (RFC 3550 8.1): a failed CSPRNG falls back to the OS source, not to 0.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&s->ssrc_), sizeof s->ssrc_) != 1) s->ssrc_ = std::random_device{}();
  return s;
}

MediaSink::~MediaSink() {
  if (fd_ >= 0) ::close(fd_);
}

Status MediaSink::connect(const std::string& address, uint16_t port) {
  if (auto err = media::connect_udp(fd_, address, port); !err.empty()) return udp_failure(address, std::move(err));
  return {};
}

void MediaSink::use_plain() { receiver_ = std::make_unique<media::StreamReceiver>(nullptr); }

Status MediaSink::use_sdes(const media::SdesKey& remote, const media::SdesKey& local) {
  auto rx = media::SrtpSession::create(remote.suite, remote.key_salt, media::SrtpSession::Direction::kReceive);
  if (!rx.ok()) return rx.status();
  auto tx = media::SrtpSession::create(local.suite, local.key_salt, media::SrtpSession::Direction::kSend);
  if (!tx.ok()) return tx.status();
  tx_ = std::move(tx).value();
  suite_ = std::string(media::suite_info(remote.suite).sdes_name);
  receiver_ = std::make_unique<media::StreamReceiver>(std::move(rx).value());
  return {};
}

Status MediaSink::use_dtls(std::shared_ptr<media::DtlsIdentity> identity, media::DtlsSrtpEndpoint::Role role,
                           const sip::SdpFingerprint& remote, const std::vector<media::SrtpSuite>& suites) {
  auto dtls = media::DtlsSrtpEndpoint::create(std::move(identity), role, remote, suites);
  if (!dtls.ok()) return dtls.status();
  dtls_ = std::move(dtls).value();
  dtls_->start();
  flush_dtls();
  return {};
}

void MediaSink::flush_dtls() {
  for (auto& d : dtls_->take_outgoing()) ::send(fd_, d.data(), d.size(), MSG_NOSIGNAL);
  if (dtls_->state() == media::DtlsSrtpEndpoint::State::kFailed && error_.ok())
    error_ = unavailable_error("dtls: " + dtls_->error());
  if (dtls_->state() == media::DtlsSrtpEndpoint::State::kConnected && !receiver_) {
    const auto& keys = dtls_->keys();
    auto rx = media::SrtpSession::create(keys.suite, keys.remote, media::SrtpSession::Direction::kReceive);
    auto tx = media::SrtpSession::create(keys.suite, keys.local, media::SrtpSession::Direction::kSend);
    if (!rx.ok() || !tx.ok()) {
      error_ = internal_error("srtp: " + (rx.ok() ? tx : rx).message());
      return;
    }
    tx_ = std::move(tx).value();
    suite_ = std::string(media::suite_info(keys.suite).dtls_name);
    receiver_ = std::make_unique<media::StreamReceiver>(std::move(rx).value());
  }
}

SinkResult MediaSink::run(uint32_t packets, Clock::time_point deadline) {
  SinkResult r;
  uint8_t buf[4096];
  while (error_.ok()) {
    if (receiver_ && receiver_->stats().ok >= packets) break;
    auto now = Clock::now();
    if (now >= deadline) {
      r.timed_out = true;
      break;
    }
    auto wait = deadline - now;
    if (dtls_) {
      if (auto t = dtls_->next_timeout()) wait = std::min<Clock::duration>(wait, *t);
    }
    pollfd pfd{fd_, POLLIN, 0};
    int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) + 1;
    int ready = ::poll(&pfd, 1, ms);
    if (ready < 0 && errno != EINTR) {
      error_ = unavailable_error(std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (dtls_ && dtls_->state() == media::DtlsSrtpEndpoint::State::kHandshaking) {
      if (auto t = dtls_->next_timeout(); t && *t <= Clock::duration::zero()) {
        dtls_->on_timer();
        flush_dtls();
      }
    }
    if (receiver_ && Clock::now() >= next_report_) send_receiver_report();
    if (ready <= 0) continue;
    for (int i = 0; i < 64; ++i) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) break;
      std::span<const uint8_t> d(buf, static_cast<size_t>(n));
      if (media::is_dtls_datagram(d)) {
        if (dtls_) {
          dtls_->on_datagram(d);
          flush_dtls();
        }
        continue;
      }
      if (!media::is_rtp_or_rtcp_datagram(d)) continue;
      if (!receiver_) {
        ++early_;
        continue;
      }
      receiver_->on_datagram(buf, static_cast<size_t>(n));
    }
  }
  if (receiver_) {
    r.stats = receiver_->stats();
    r.srtp = receiver_->keyed();
  }
  r.suite = suite_;
  r.reports_sent = reports_sent_;
  r.error = error_;
  if (r.error.ok() && !receiver_ && dtls_) r.error = unavailable_error("dtls: the handshake did not finish");
  return r;
}

void MediaSink::send_receiver_report() {
  auto now = Clock::now();
  if (next_report_ == Clock::time_point{}) {
    next_report_ = now + std::chrono::seconds(1);  // the first after a second of stream
    return;
  }
  next_report_ = now + std::chrono::seconds(1);
  auto block = receiver_->report_block(now);
  if (!block) return;
  auto rr = media::receiver_report(ssrc_, *block);
  size_t len = rr.size();
  rr.resize(len + media::kSrtpMaxTrailer + 8);
  if (tx_ && tx_->protect_rtcp(rr.data(), len, rr.size()) != media::SrtpStatus::kOk) return;
  if (::send(fd_, rr.data(), len, MSG_NOSIGNAL) == static_cast<ssize_t>(len)) ++reports_sent_;
}

uint64_t MediaSink::count_late_arrivals(Clock::time_point until) {
  uint8_t buf[4096];
  while (::recv(fd_, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
  uint64_t late = 0;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() <= 0) return late;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    while (::recv(fd_, buf, sizeof buf, MSG_DONTWAIT) > 0) ++late;
  }
}

}  // namespace imsguard::client
