// SRTP costs and media-source capacity (results in docs/benchmarks.md, "Media").
//  - BM_Protect/BM_Unprotect: one 172-byte PCMU packet through media::SrtpSession, and the
//    same through raw libsrtp calls (BM_RawProtect/BM_RawUnprotect) in the same run, per
//    suite (0 = AES_CM_128_HMAC_SHA1_80, 1 = _32, 2 = AEAD_AES_128_GCM).
//  - BM_Streams/N: N SRTP streams from one MediaPump thread (the service box's source) to a
//    loopback sink for a bounded time; counters say whether every packet arrived and how
//    much of each 20 ms tick the pump used.
#include <benchmark/benchmark.h>
#include <poll.h>
#include <srtp2/srtp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <unordered_map>

#include "media/media_pump.h"
#include "media/rtp.h"
#include "media/srtp_session.h"
#include "media/udp.h"

namespace {

using namespace imsguard::media;

SrtpSuite suite_of(int64_t i) {
  return i == 0 ? SrtpSuite::kAesCm128HmacSha1_80 : i == 1 ? SrtpSuite::kAesCm128HmacSha1_32 : SrtpSuite::kAeadAes128Gcm;
}

std::vector<uint8_t> key_for(SrtpSuite s) {
  std::vector<uint8_t> k(master_length(s));
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i * 13 + 1);
  return k;
}

void set_seq(uint8_t* p, uint16_t seq) {
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
}

srtp_t raw_session(SrtpSuite s, bool send) {
  srtp_policy_t p;
  std::memset(&p, 0, sizeof p);
  switch (s) {
    case SrtpSuite::kAesCm128HmacSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
      break;
    case SrtpSuite::kAesCm128HmacSha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
      break;
    case SrtpSuite::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
      break;
  }
  auto key = key_for(s);
  p.key = key.data();
  p.ssrc.type = send ? ssrc_any_outbound : ssrc_any_inbound;
  p.window_size = 128;
  srtp_t session = nullptr;
  srtp_create(&session, &p);
  return session;
}

// A batch of protected packets with consecutive sequence numbers, for the receive side
// (each may be unprotected once: the replay window sees to that).
std::vector<std::vector<uint8_t>> protected_batch(SrtpSuite s, size_t n) {
  auto tx = std::move(SrtpSession::create(s, key_for(s), SrtpSession::Direction::kSend)).value();
  std::vector<std::vector<uint8_t>> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto p = tone_packet({0, false, static_cast<uint16_t>(i), static_cast<uint32_t>(i * 160), 0x1234}, kSrtpMaxTrailer);
    tx->protect_rtp(p);
    out.push_back(std::move(p));
  }
  return out;
}

constexpr size_t kBatch = 60000;  // below 2^16: no rollover inside a batch

void BM_Protect(benchmark::State& state) {
  SrtpSuite s = suite_of(state.range(0));
  auto tx = std::move(SrtpSession::create(s, key_for(s), SrtpSession::Direction::kSend)).value();
  auto plain = tone_packet({0, false, 0, 0, 0x1234}, 0);
  std::vector<uint8_t> buf(plain.size() + kSrtpMaxTrailer);
  uint16_t seq = 0;
  for (auto _ : state) {
    std::memcpy(buf.data(), plain.data(), plain.size());
    set_seq(buf.data(), seq++);
    size_t len = plain.size();
    if (tx->protect_rtp(buf.data(), len, buf.size()) != SrtpStatus::kOk) state.SkipWithError("protect failed");
    benchmark::DoNotOptimize(len);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RawProtect(benchmark::State& state) {
  if (imsguard::Status init = srtp_library_init(); !init.ok()) {
    state.SkipWithError(init.message().c_str());
    return;
  }
  SrtpSuite s = suite_of(state.range(0));
  srtp_t tx = raw_session(s, true);
  auto plain = tone_packet({0, false, 0, 0, 0x1234}, 0);
  std::vector<uint8_t> buf(plain.size() + kSrtpMaxTrailer);
  uint16_t seq = 0;
  for (auto _ : state) {
    std::memcpy(buf.data(), plain.data(), plain.size());
    set_seq(buf.data(), seq++);
    int len = static_cast<int>(plain.size());
    if (srtp_protect(tx, buf.data(), &len) != srtp_err_status_ok) state.SkipWithError("protect failed");
    benchmark::DoNotOptimize(len);
  }
  srtp_dealloc(tx);
  state.SetItemsProcessed(state.iterations());
}

void BM_Unprotect(benchmark::State& state) {
  SrtpSuite s = suite_of(state.range(0));
  auto batch = protected_batch(s, kBatch);
  auto rx = std::move(SrtpSession::create(s, key_for(s), SrtpSession::Direction::kReceive)).value();
  std::vector<uint8_t> buf(512);
  size_t i = 0;
  for (auto _ : state) {
    if (i == batch.size()) {
      state.PauseTiming();
      rx = std::move(SrtpSession::create(s, key_for(s), SrtpSession::Direction::kReceive)).value();
      i = 0;
      state.ResumeTiming();
    }
    const auto& p = batch[i++];
    std::memcpy(buf.data(), p.data(), p.size());
    size_t len = p.size();
    if (rx->unprotect_rtp(buf.data(), len) != SrtpStatus::kOk) state.SkipWithError("unprotect failed");
    benchmark::DoNotOptimize(len);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RawUnprotect(benchmark::State& state) {
  SrtpSuite s = suite_of(state.range(0));
  auto batch = protected_batch(s, kBatch);
  srtp_t rx = raw_session(s, false);
  std::vector<uint8_t> buf(512);
  size_t i = 0;
  for (auto _ : state) {
    if (i == batch.size()) {
      state.PauseTiming();
      srtp_dealloc(rx);
      rx = raw_session(s, false);
      i = 0;
      state.ResumeTiming();
    }
    const auto& p = batch[i++];
    std::memcpy(buf.data(), p.data(), p.size());
    int len = static_cast<int>(p.size());
    if (srtp_unprotect(rx, buf.data(), &len) != srtp_err_status_ok) state.SkipWithError("unprotect failed");
    benchmark::DoNotOptimize(len);
  }
  srtp_dealloc(rx);
  state.SetItemsProcessed(state.iterations());
}

// As srtp_stock_bench's BM_StockProtect: sessions used in turn, through src/media.
void BM_ProtectSessions(benchmark::State& state) {
  SrtpSuite s = suite_of(state.range(0));
  const size_t n = static_cast<size_t>(state.range(1));
  std::vector<std::unique_ptr<SrtpSession>> sessions;
  for (size_t i = 0; i < n; ++i) {
    auto key = key_for(s);
    key[0] = static_cast<uint8_t>(key[0] + i);
    auto made = SrtpSession::create(s, key, SrtpSession::Direction::kSend);
    if (!made.ok()) {
      state.SkipWithError(made.message().c_str());
      return;
    }
    sessions.push_back(std::move(made).value());
  }
  std::vector<uint8_t> buf(172 + kSrtpMaxTrailer);
  std::vector<uint16_t> seq(n, 0);
  size_t i = 0;
  for (auto _ : state) {
    std::memset(buf.data(), 0xff, 172);
    buf[0] = 0x80;
    buf[1] = 0;
    set_seq(buf.data(), seq[i]++);
    std::memcpy(buf.data() + 8, &i, 4);  // the SSRC
    size_t len = 172;
    if (sessions[i]->protect_rtp(buf.data(), len, buf.size()) != SrtpStatus::kOk) state.SkipWithError("protect failed");
    benchmark::DoNotOptimize(len);
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProtectSessions)->ArgsProduct({{0, 1, 2}, {1, 2000}});

BENCHMARK(BM_Protect)->DenseRange(0, 2);
BENCHMARK(BM_RawProtect)->DenseRange(0, 2);
BENCHMARK(BM_Unprotect)->DenseRange(0, 2);
BENCHMARK(BM_RawUnprotect)->DenseRange(0, 2);

// The sink: counts datagrams per SSRC (first sequence number to last), no decryption: the
// measured side is the source, as in the service box.
struct Sink {
  int fd = -1;
  uint16_t port = 0;
  std::atomic<bool> running{true};
  std::atomic<uint64_t> received{0};
  std::thread thread;

  bool open() {
    auto s = bind_udp("127.0.0.1");
    if (!s) return false;
    fd = s.fd;
    port = s.port;
    int size = 64 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);  // root; else capped by rmem_max
    thread = std::thread([this] {
      uint8_t buf[2048];
      while (running) {
        // Drain every 5 ms rather than waking per datagram: the sender pays for wake-ups
        // on loopback, and the sink is not what is measured.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) received.fetch_add(1, std::memory_order_relaxed);
      }
    });
    return true;
  }
  ~Sink() {
    running = false;
    if (thread.joinable()) thread.join();
    if (fd >= 0) ::close(fd);
  }
};

// The floor under BM_Streams: one 182-byte datagram sent on a connected loopback UDP
// socket (no SRTP), and the same 32 at a time through sendmmsg (what batching would save).
void BM_LoopbackSend(benchmark::State& state) {
  Sink sink;
  auto sock = bind_udp("127.0.0.1");
  if (!sink.open() || !sock || !connect_udp(sock.fd, "127.0.0.1", sink.port).empty()) {
    state.SkipWithError("sockets");
    return;
  }
  std::vector<uint8_t> packet(182, 0x80);
  const int batch = static_cast<int>(state.range(0));
  std::vector<mmsghdr> msgs(static_cast<size_t>(batch));
  std::vector<iovec> iov(static_cast<size_t>(batch));
  for (int i = 0; i < batch; ++i) {
    iov[static_cast<size_t>(i)] = {packet.data(), packet.size()};
    msgs[static_cast<size_t>(i)] = {};
    msgs[static_cast<size_t>(i)].msg_hdr.msg_iov = &iov[static_cast<size_t>(i)];
    msgs[static_cast<size_t>(i)].msg_hdr.msg_iovlen = 1;
  }
  for (auto _ : state) {
    if (batch == 1) ::send(sock.fd, packet.data(), packet.size(), 0);
    else ::sendmmsg(sock.fd, msgs.data(), static_cast<unsigned>(batch), 0);
  }
  state.SetItemsProcessed(state.iterations() * batch);
  ::close(sock.fd);
}
BENCHMARK(BM_LoopbackSend)->Arg(1)->Arg(32);

void BM_Streams(benchmark::State& state) {
  const size_t streams = static_cast<size_t>(state.range(0));
  const uint32_t packets_each = 150;  // 3 s at 50 packets/s
  for (auto _ : state) {
    Sink sink;
    if (!sink.open()) {
      state.SkipWithError("cannot bind the sink");
      return;
    }
    std::atomic<uint64_t> rtp_sent{0}, completed{0}, rtcp{0};
    imsguard::ops::CounterRegistry metrics;
    MediaPump pump(metrics, [&](const StreamReport& r) {
      rtp_sent += r.packets_sent;
      rtcp += r.rtcp_sent;
      if (r.end_reason == "complete") ++completed;
    });
    for (size_t i = 0; i < streams; ++i) {
      auto sock = bind_udp("127.0.0.1");
      if (!sock || !connect_udp(sock.fd, "127.0.0.1", sink.port).empty()) {
        state.SkipWithError("cannot open a stream socket");
        return;
      }
      StreamConfig c;
      c.fd = sock.fd;
      c.label = std::to_string(i);
      c.max_packets = packets_each;
      c.tx = std::move(SrtpSession::create(SrtpSuite::kAesCm128HmacSha1_80, key_for(SrtpSuite::kAesCm128HmacSha1_80),
                                           SrtpSession::Direction::kSend))
                 .value();
      pump.add(std::move(c));
    }
    pump.start();
    // Bounded: the streams' own length plus a margin, never more than 30 s.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (pump.active() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the last datagrams
    const auto& st = pump.stats();
    uint64_t ticks = std::max<uint64_t>(1, st.ticks.load());
    pump.stop();
    uint64_t expected = streams * packets_each + rtcp.load();
    state.counters["streams"] = static_cast<double>(streams);
    state.counters["sent"] = static_cast<double>(st.packets.load() + rtcp.load());
    state.counters["received"] = static_cast<double>(sink.received.load());
    state.counters["lost_pct"] =
        100.0 * (1.0 - static_cast<double>(sink.received.load()) / static_cast<double>(std::max<uint64_t>(1, expected)));
    state.counters["send_errors"] = static_cast<double>(st.send_errors.load());
    state.counters["late_ticks"] = static_cast<double>(st.late_ticks.load());
    state.counters["tick_avg_ms"] = static_cast<double>(st.busy_us.load()) / static_cast<double>(ticks) / 1000.0;
    state.counters["tick_max_ms"] = static_cast<double>(st.max_tick_us.load()) / 1000.0;
    state.counters["completed"] = static_cast<double>(completed.load());
    // CPU the pump thread used per 20 ms tick: below 20 ms, one core keeps up.
    state.counters["cpu_per_tick_ms"] = static_cast<double>(st.thread_cpu_us.load()) / static_cast<double>(ticks) / 1000.0;
    state.counters["cpu_us_per_packet"] =
        static_cast<double>(st.thread_cpu_us.load()) / static_cast<double>(std::max<uint64_t>(1, st.packets.load()));
  }
}

BENCHMARK(BM_Streams)->Arg(500)->Arg(1000)->Arg(2000)->Arg(3000)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
