#include "media/media_pump.h"

#include <openssl/rand.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <random>

#include "media/rtp.h"
#include "ops/counters.h"

namespace imsguard::media {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(kPacketIntervalMs);
constexpr uint32_t kRtcpEvery = 50;  // one sender report per second

// Initial sequence, timestamp and SSRC: public values (RFC 3550 5.1 wants them random against
// known-plaintext guesses; the SRTP keys are drawn and checked elsewhere). A failed CSPRNG
// falls back to the OS source rather than a constant.
uint32_t random_u32() {
  uint32_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) v = std::random_device{}();
  return v;
}

}  // namespace

struct MediaPump::Stream {
  uint64_t id = 0;
  StreamConfig cfg;
  Clock::time_point started;
  RtpHeader header;
  std::vector<uint8_t> buffer;
  StreamReport report;
  uint32_t octets = 0;
  bool done = false;
};

MediaPump::MediaPump(ops::CounterRegistry& metrics, EndCallback on_end)
    : on_end_(std::move(on_end)),
      srtp_counters_(metrics),
      rtcp_ok_(metrics.get("imsguard_media_rtcp_received_total{result=\"ok\"}", "(S)RTCP reports received from media sinks")),
      rtcp_rejected_(metrics.get("imsguard_media_rtcp_received_total{result=\"rejected\"}")) {}

MediaPump::~MediaPump() { stop(); }

void MediaPump::start() {
  if (running_.exchange(true)) return;
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  thread_ = std::thread([this] { run(); });
}

void MediaPump::stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  for (auto& s : pending_) streams_.push_back(std::move(s));
  pending_.clear();
  for (auto& s : streams_) finish(*s, "stopped");
  streams_.clear();
  ending_.clear();
  ends_done_ = ends_requested_;
  ended_.notify_all();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  epoll_fd_ = -1;
}

uint64_t MediaPump::add(StreamConfig cfg) {
  auto s = std::make_unique<Stream>();
  s->cfg = std::move(cfg);
  s->header.payload_type = 0;
  s->header.sequence = static_cast<uint16_t>(random_u32());
  s->header.timestamp = random_u32();
  s->header.ssrc = random_u32();
  s->header.marker = true;  // first packet of a talkspurt
  s->buffer.resize(kRtpHeaderSize + kPcmuFrameSamples + kSrtpMaxTrailer + 8);
  s->report.label = s->cfg.label;
  s->report.srtp = s->cfg.tx != nullptr || s->cfg.dtls != nullptr;
  std::lock_guard lock(mutex_);
  s->id = next_id_++;
  uint64_t id = s->id;
  pending_.push_back(std::move(s));
  ++active_;
  return id;
}

void MediaPump::end(uint64_t id, std::string reason) {
  std::unique_lock lock(mutex_);
  ending_.emplace_back(id, std::move(reason));
  uint64_t generation = ++ends_requested_;
  ended_.wait_for(lock, std::chrono::seconds(1), [&] { return ends_done_ >= generation || !running_.load(); });
}

void MediaPump::finish(Stream& s, std::string reason) {
  if (s.done) return;
  s.done = true;
  s.report.end_reason = std::move(reason);
  if (s.cfg.fd >= 0) ::close(s.cfg.fd);
  s.cfg.fd = -1;
  --active_;
  if (on_end_) on_end_(s.report);
}

void MediaPump::flush_dtls(Stream& s) {
  if (!s.cfg.dtls) return;
  for (auto& d : s.cfg.dtls->take_outgoing()) ::send(s.cfg.fd, d.data(), d.size(), MSG_NOSIGNAL);
  if (s.cfg.dtls->state() == DtlsSrtpEndpoint::State::kFailed) return finish(s, "dtls: " + s.cfg.dtls->error());
  if (s.cfg.dtls->state() == DtlsSrtpEndpoint::State::kConnected && !s.cfg.tx) {
    const auto& keys = s.cfg.dtls->keys();
    auto tx = SrtpSession::create(keys.suite, keys.local, SrtpSession::Direction::kSend, &srtp_counters_);
    auto rx = SrtpSession::create(keys.suite, keys.remote, SrtpSession::Direction::kReceive, &srtp_counters_);
    if (!tx.ok() || !rx.ok()) return finish(s, "srtp: " + (tx.ok() ? rx : tx).message());
    s.cfg.tx = std::move(tx).value();
    s.cfg.rx = std::move(rx).value();
  }
}

void MediaPump::on_readable(Stream& s) {
  uint8_t buf[4096];
  for (int i = 0; i < 16 && !s.done; ++i) {
    ssize_t n = ::recv(s.cfg.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == ECONNREFUSED) finish(s, "peer unreachable");
      return;
    }
    std::span<const uint8_t> d(buf, static_cast<size_t>(n));
    if (is_dtls_datagram(d) && s.cfg.dtls) {
      s.cfg.dtls->on_datagram(d);
      flush_dtls(s);
    } else if (is_rtp_or_rtcp_datagram(d) && is_rtcp(d)) {
      // The sink's receiver reports: authenticated when keyed, counted either way.
      size_t len = d.size();
      if (!s.cfg.rx || s.cfg.rx->unprotect_rtcp(buf, len) == SrtpStatus::kOk) {
        ++s.report.rtcp_received;
        ++stats_.rtcp_received;
        rtcp_ok_.inc();
      } else {
        ++stats_.rtcp_rejected;
        rtcp_rejected_.inc();
      }
    }
  }
}

void MediaPump::tick(Stream& s) {
  if (s.done) return;
  if (s.cfg.dtls && s.cfg.dtls->state() == DtlsSrtpEndpoint::State::kHandshaking) {
    if (auto t = s.cfg.dtls->next_timeout(); t && *t <= std::chrono::steady_clock::duration::zero()) {
      s.cfg.dtls->on_timer();
      flush_dtls(s);
    }
    if (!s.done && Clock::now() - s.started > s.cfg.handshake_timeout) finish(s, "dtls: handshake timed out");
    return;
  }
  if (s.report.packets_sent >= s.cfg.max_packets) return finish(s, "complete");
  size_t len = kRtpHeaderSize + kPcmuFrameSamples;
  write_rtp_header(s.header, s.buffer.data());
  const auto& tone = tone_frame();
  std::copy(tone.begin(), tone.end(), s.buffer.begin() + kRtpHeaderSize);
  if (s.cfg.tx && s.cfg.tx->protect_rtp(s.buffer.data(), len, s.buffer.size()) != SrtpStatus::kOk) {
    ++stats_.send_errors;
    return finish(s, "srtp protect failed");
  }
  if (::send(s.cfg.fd, s.buffer.data(), len, MSG_NOSIGNAL) < 0) {
    if (errno == ECONNREFUSED) return finish(s, "peer unreachable");
    ++stats_.send_errors;  // EAGAIN: a full socket buffer drops this packet
  } else {
    ++stats_.packets;
  }
  ++s.report.packets_sent;
  s.octets += kPcmuFrameSamples;
  s.header.marker = false;
  ++s.header.sequence;
  s.header.timestamp += kPcmuFrameSamples;
  if (s.report.packets_sent % kRtcpEvery == 0) {
    auto sr = sender_report(s.header.ssrc, s.header.timestamp, s.report.packets_sent, s.octets, kSrtpMaxTrailer + 8);
    size_t sr_len = sr.size();
    sr.resize(sr_len + kSrtpMaxTrailer + 8);
    if (!s.cfg.tx || s.cfg.tx->protect_rtcp(sr.data(), sr_len, sr.size()) == SrtpStatus::kOk) {
      if (::send(s.cfg.fd, sr.data(), sr_len, MSG_NOSIGNAL) >= 0) ++s.report.rtcp_sent;
    }
  }
}

void MediaPump::run() {
  Clock::time_point next_tick = Clock::now();
  std::vector<epoll_event> events(256);
  auto thread_cpu_us = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
  };
  while (running_.load()) {
    {
      std::lock_guard lock(mutex_);
      for (auto& s : pending_) {
        s->started = Clock::now();
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = s.get();
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, s->cfg.fd, &ev);
        if (s->cfg.dtls) {
          s->cfg.dtls->start();
          flush_dtls(*s);
        }
        streams_.push_back(std::move(s));
      }
      pending_.clear();
      for (auto& [id, reason] : ending_)
        for (auto& s : streams_)
          if (s->id == id) finish(*s, reason);
      ending_.clear();
      ends_done_ = ends_requested_;
    }
    ended_.notify_all();
    auto now = Clock::now();
    int timeout_ms = next_tick > now
                         ? static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - now).count())
                         : 0;
    int ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), std::min(timeout_ms, 20));
    for (int i = 0; i < ready; ++i) {
      auto* s = static_cast<Stream*>(events[static_cast<size_t>(i)].data.ptr);
      if (!s->done) on_readable(*s);
    }
    now = Clock::now();
    if (now < next_tick) continue;
    // Finished streams' sockets are closed (and so out of epoll): drop them between ticks.
    std::erase_if(streams_, [](const auto& s) { return s->done; });
    ++stats_.ticks;
    for (auto& s : streams_) tick(*s);
    auto busy = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - now).count());
    stats_.busy_us += busy;
    if (busy > stats_.max_tick_us.load()) stats_.max_tick_us = busy;
    stats_.thread_cpu_us = thread_cpu_us();
    next_tick += kTick;
    // More than a few ticks behind: this core cannot keep up; count it, do not burst.
    if (Clock::now() > next_tick + 3 * kTick) {
      ++stats_.late_ticks;
      next_tick = Clock::now() + kTick;
    }
  }
}

}  // namespace imsguard::media
