#include "sip/sdp.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/base64.h"

namespace imsguard::sip {
namespace {

// The line a refusal names ("line 7: ..."), 0 when it names none.
template <typename T>
size_t error_line(const StatusOr<T>& r) {
  const std::string& m = r.message();
  if (m.rfind("line ", 0) != 0) return 0;
  return static_cast<size_t>(std::strtoul(m.c_str() + 5, nullptr, 10));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string hex(const std::vector<uint8_t>& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

nlohmann::json srtp_vectors() {
  return nlohmann::json::parse(read_file(std::string(IMSGUARD_TESTDATA) + "/srtp/vectors.json"));
}

// Parses, checks success, and checks that writing gives the input back byte for byte.
Sdp round_trip(const std::string& text) {
  auto r = parse_sdp(text);
  EXPECT_TRUE(r) << r.message();
  if (!r) return {};
  auto w = write_sdp(*r);
  EXPECT_TRUE(w) << w.message();
  EXPECT_EQ(*w, text);
  return *r;
}

TEST(SdpTest, Rfc4475Sdp01BodyParsesAndRoundTrips) {
  std::string msg = read_file(std::string(IMSGUARD_TESTDATA) + "/rfc4475/sdp01.dat");
  size_t sep = msg.find("\r\n\r\n");
  ASSERT_NE(sep, std::string::npos);
  std::string body = msg.substr(sep + 4);
  ASSERT_EQ(body.size(), 150u);  // the message's Content-Length

  Sdp sdp = round_trip(body);
  EXPECT_EQ(sdp.origin.username, "mhandley");
  EXPECT_EQ(sdp.origin.session_id, "29739");
  EXPECT_EQ(sdp.origin.session_version, "7272939");
  EXPECT_EQ(sdp.origin.address, "192.0.2.5");
  EXPECT_EQ(sdp.session_name, "-");
  ASSERT_TRUE(sdp.connection);
  EXPECT_EQ(sdp.connection->host(), "192.0.2.5");
  ASSERT_EQ(sdp.timings.size(), 1u);
  EXPECT_EQ(sdp.timings[0].start, 0u);
  ASSERT_EQ(sdp.media.size(), 2u);
  EXPECT_EQ(sdp.media[0].media, "audio");
  EXPECT_EQ(sdp.media[0].port, 49217);
  EXPECT_EQ(sdp.media[0].formats, (std::vector<std::string>{"0", "12"}));
  EXPECT_EQ(sdp.media[1].media, "video");
  EXPECT_EQ(sdp.media[1].port, 3227);
  EXPECT_EQ(sdp.connection_for(sdp.media[1]), &*sdp.connection);
  auto lpc = sdp.media[1].attributes.rtpmap(31);
  ASSERT_TRUE(lpc);
  EXPECT_EQ(lpc->encoding, "LPC");
  EXPECT_FALSE(lpc->clock_rate);
  EXPECT_EQ(sdp.direction_for(sdp.media[0]), SdpDirection::kSendRecv);
  EXPECT_FALSE(sdp.media[0].is_secure_rtp());
}

TEST(SdpTest, Rfc4568CryptoLinesFromVectors) {
  auto v = srtp_vectors()["rfc4568_sdes_examples"];
  ASSERT_GE(v["crypto_lines"].size(), 3u);
  for (const auto& ex : v["crypto_lines"]) {
    std::string line = ex["line"];
    SCOPED_TRACE(line);
    ASSERT_EQ(line.rfind("a=crypto:", 0), 0u);
    std::string value = line.substr(9);
    auto c = parse_crypto(value);
    ASSERT_TRUE(c.ok()) << c.message();
    EXPECT_EQ(c->tag, ex["tag"].get<uint32_t>());
    EXPECT_EQ(c->suite, ex["crypto_suite"].get<std::string>());
    ASSERT_EQ(c->keys.size(), ex["keys"].size());
    for (size_t i = 0; i < c->keys.size(); ++i) {
      const auto& want = ex["keys"][i];
      const auto& key = c->keys[i];
      EXPECT_EQ(key.method, "inline");
      EXPECT_EQ(key.key_salt, want["key_salt_base64"].get<std::string>());
      auto bytes = key.decode_key_salt();
      ASSERT_TRUE(bytes);
      ASSERT_EQ(bytes->size(), want["decoded_len"].get<size_t>());
      EXPECT_EQ(hex({bytes->begin(), bytes->begin() + 16}), want["master_key"].get<std::string>());
      EXPECT_EQ(hex({bytes->begin() + 16, bytes->end()}), want["master_salt"].get<std::string>());
      EXPECT_EQ(key.lifetime.value_or(""), want["lifetime"].get<std::string>());
      EXPECT_EQ(key.lifetime_packets(), uint64_t{1} << 20);
      EXPECT_EQ(key.mki_value, want["mki_value"].get<uint64_t>());
      EXPECT_EQ(key.mki_length, want["mki_length"].get<uint32_t>());
    }
    EXPECT_EQ(c->session_params, ex["session_params"].get<std::vector<std::string>>());
    EXPECT_EQ(format_crypto(*c), value);
  }
}

TEST(SdpTest, Rfc4568KeyParamsExamples) {
  auto v = srtp_vectors()["rfc4568_sdes_examples"];
  ASSERT_FALSE(v["key_params_examples"].empty());
  for (const auto& ex : v["key_params_examples"]) {
    std::string value = "1 AES_CM_128_HMAC_SHA1_80 " + ex["key_params"].get<std::string>();
    SCOPED_TRACE(value);
    auto c = parse_crypto(value);
    ASSERT_TRUE(c.ok()) << c.message();
    ASSERT_EQ(c->keys.size(), 1u);
    const auto& key = c->keys[0];
    EXPECT_EQ(key.mki_value, ex["mki_value"].get<uint64_t>());
    EXPECT_EQ(key.mki_length, ex["mki_length"].get<uint32_t>());
    if (ex.contains("lifetime")) {
      EXPECT_EQ(key.lifetime.value_or(""), ex["lifetime"].get<std::string>());
    } else {
      EXPECT_FALSE(key.lifetime);
    }
    auto bytes = key.decode_key_salt();
    ASSERT_TRUE(bytes);
    EXPECT_EQ(hex(*bytes), ex["master_key"].get<std::string>() + ex["master_salt"].get<std::string>());
    EXPECT_EQ(format_crypto(*c), value);
  }
}

TEST(SdpTest, Rfc4568OfferSdpRoundTrips) {
  auto v = srtp_vectors()["rfc4568_sdes_examples"];
  std::string text;
  for (const auto& l : v["offer_sdp_context"]) text += l.get<std::string>() + "\r\n";
  text += v["crypto_lines"][1]["line"].get<std::string>() + "\r\n";
  text += v["crypto_lines"][2]["line"].get<std::string>() + "\r\n";
  Sdp sdp = round_trip(text);
  EXPECT_EQ(sdp.session_name, "SRTP Discussion");
  EXPECT_EQ(sdp.information.value_or(""), "A discussion of Secure RTP");
  EXPECT_EQ(sdp.uri.value_or(""), "http://www.example.com/seminars/srtp.pdf");
  ASSERT_EQ(sdp.emails.size(), 1u);
  EXPECT_EQ(sdp.timings[0].start, 2873397496u);
  ASSERT_EQ(sdp.media.size(), 1u);
  EXPECT_TRUE(sdp.media[0].is_secure_rtp());
  auto cryptos = sdp.media[0].attributes.cryptos();
  ASSERT_EQ(cryptos.size(), 2u);
  EXPECT_EQ(cryptos[0].tag, 1u);
  EXPECT_EQ(cryptos[1].suite, "F8_128_HMAC_SHA1_80");
  EXPECT_EQ(cryptos[1].keys.size(), 2u);
}

const char kDtlsOffer[] =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "e=alice@example.com\r\n"
    "p=+1 617 555-6011\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "b=CT:1000\r\n"
    "t=0 0\r\n"
    "t=3034423619 3042462419\r\n"
    "r=7d 1h 0 25h\r\n"
    "z=2882844526 -1h 2898848070 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=recvonly\r\n"
    "a=x-unknown\r\n"
    "m=audio 9/2 UDP/TLS/RTP/SAVPF 111 0\r\n"
    "i=voice\r\n"
    "c=IN IP4 127.0.0.2\r\n"
    "b=AS:64\r\n"
    "b=TIAS:64000\r\n"
    "a=mid:0\r\n"
    "a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n"
    "a=setup:actpass\r\n"
    "a=rtcp-mux\r\n"
    "a=sendonly\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=empty:\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "m=application 5000 TCP/MSRP *\r\n"
    "a=accept-types:text/plain\r\n";

TEST(SdpTest, FullOfferRoundTripsWithTypedViews) {
  Sdp sdp = round_trip(kDtlsOffer);
  ASSERT_EQ(sdp.timings.size(), 2u);
  EXPECT_EQ(sdp.timings[1].repeats, (std::vector<std::string>{"7d 1h 0 25h"}));
  EXPECT_EQ(sdp.bandwidths[0].type, "CT");
  EXPECT_EQ(sdp.bandwidths[0].value, 1000u);
  ASSERT_EQ(sdp.attributes.size(), 3u);
  EXPECT_EQ(sdp.attributes.items()[2].name, "x-unknown");
  EXPECT_FALSE(sdp.attributes.items()[2].value);
  ASSERT_EQ(sdp.media.size(), 3u);
  const SdpMedia& audio = sdp.media[0];
  EXPECT_EQ(audio.port, 9);
  EXPECT_EQ(audio.port_count, 2u);
  EXPECT_TRUE(audio.is_secure_rtp());
  EXPECT_EQ(sdp.connection_for(audio)->address, "127.0.0.2");
  ASSERT_EQ(audio.bandwidths.size(), 2u);
  auto fp = audio.attributes.fingerprint();
  ASSERT_TRUE(fp);
  EXPECT_EQ(fp->hash, "sha-256");
  ASSERT_TRUE(fp->bytes());
  EXPECT_EQ(fp->bytes()->size(), 32u);
  EXPECT_EQ((*fp->bytes())[0], 0xab);
  EXPECT_EQ(audio.attributes.setup(), SdpSetup::kActpass);
  EXPECT_TRUE(audio.attributes.rtcp_mux());
  EXPECT_FALSE(sdp.media[1].attributes.rtcp_mux());
  EXPECT_EQ(sdp.direction_for(audio), SdpDirection::kSendOnly);
  EXPECT_EQ(sdp.direction_for(sdp.media[1]), SdpDirection::kRecvOnly);  // inherited
  auto opus = audio.attributes.rtpmap(111);
  ASSERT_TRUE(opus);
  EXPECT_EQ(opus->encoding, "opus");
  EXPECT_EQ(opus->clock_rate, 48000u);
  EXPECT_EQ(opus->encoding_params.value_or(""), "2");
  EXPECT_EQ(audio.attributes.values("fmtp"), (std::vector<std::string_view>{"111 minptime=10;useinbandfec=1"}));
  EXPECT_EQ(audio.attributes.find("empty")->value, std::optional<std::string>(""));
  EXPECT_EQ(sdp.media[2].formats, (std::vector<std::string>{"*"}));
}

TEST(SdpTest, BareLfInputIsWrittenWithCrlf) {
  std::string lf = "v=0\no=- 1 1 IN IP6 ::1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP6 ::1\n";
  auto r = parse_sdp(lf);
  ASSERT_TRUE(r) << r.message();
  auto w = write_sdp(*r);
  ASSERT_TRUE(w);
  std::string crlf = "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP6 ::1\r\n";
  EXPECT_EQ(*w, crlf);
  // Missing final line end and trailing empty lines are tolerated too.
  auto r2 = parse_sdp("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=x\r\nt=0 0\r\n\r\n");
  EXPECT_TRUE(r2) << r2.message();
  auto r3 = parse_sdp("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=x\r\nt=0 0");
  EXPECT_TRUE(r3) << r3.message();
}

struct BadCase {
  const char* text;
  size_t line;
  const char* fragment;
};

TEST(SdpTest, StrictErrorsCarryLineNumbers) {
  const std::string head = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";  // 4 lines
  const BadCase cases[] = {
      {"", 0, "empty SDP"},
      {"o=- 1 1 IN IP4 1.2.3.4\r\n", 1, "start with v="},
      {"v=1\r\n", 1, "version"},
      {"v=0\r\ns=-\r\n", 2, "o= must follow"},
      {"v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n", 2, "6 fields"},
      {"v=0\r\no=- x 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n", 2, "digits"},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=\r\nt=0 0\r\n", 3, "s= must not be empty"},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n", 0, "no t= line"},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n", 0, "incomplete"},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n", 4, "before any t="},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nc=IN IP4 1.2.3.4\r\n", 5, "out of order"},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n", 5, "repeated"},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nr=1 2 3\r\n", 4, "r= without"},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nx=1\r\n", 5, "unknown"},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n\r\na=x\r\n", 5, "empty line"},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nnot a line\r\n", 5, "<type>=<value>"},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\n"
       "m=video 2 RTP/AVP 0\r\na=x\r\n", 7, "no c="},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nm=video 2 RTP/AVP 0\r\n", 5, "no c="},
      {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=a\rb\r\nt=0 0\r\n", 3, "control character"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = parse_sdp(c.text);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), Code::kInvalid);
    EXPECT_EQ(error_line(r), c.line);
    EXPECT_NE(r.message().find(c.fragment), std::string::npos) << r.message();
    if (c.line) {
      EXPECT_EQ(r.message().rfind("line " + std::to_string(c.line) + ": ", 0), 0u) << r.message();
    }
  }
  const BadCase media_cases[] = {
      {"m=audio 70000 RTP/AVP 0\r\n", 5, "port"},
      {"m=audio 1/0 RTP/AVP 0\r\n", 5, "port count"},
      {"m=audio 1 RTP/AVP\r\n", 5, "m= needs"},
      {"m=audio 1 RTP/AVP 128\r\n", 5, "payload type"},
      {"m=audio 1 RTP/AVP  0\r\n", 5, "format"},
      {"m=audio 1 RTP/AVP 0\r\nb=AS\r\n", 6, "b= must be"},
      {"m=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\nc=IN IP4 1.2.3.4\r\n", 7, "out of order"},
      {"m=audio 1 RTP/AVP 0\r\ni=a\r\ni=b\r\n", 7, "repeated"},
      {"m=audio 1 RTP/AVP 0\r\nc=IN IP4\r\n", 6, "c= needs"},
      {"m=audio 1 RTP/AVP 0\r\na=rtpmap:200 PCMU/8000\r\n", 6, "payload type"},
      {"m=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/0\r\n", 6, "clock rate"},
      {"m=audio 1 RTP/AVP 0\r\na=rtpmap\r\n", 6, "no value"},
      {"m=audio 1 RTP/AVP 0\r\na=setup:maybe\r\n", 6, "a=setup"},
      {"m=audio 1 RTP/AVP 0\r\na=setup:active\r\na=setup:passive\r\n", 7, "repeated a=setup"},
      {"m=audio 1 RTP/AVP 0\r\na=rtcp-mux:yes\r\n", 6, "no value"},
      {"m=audio 1 RTP/AVP 0\r\na=sendonly\r\na=recvonly\r\n", 7, "direction"},
      {"m=audio 1 RTP/AVP 0\r\na=fingerprint:sha-256 ZZ:00\r\n", 6, "hex pairs"},
      {"m=audio 1 RTP/AVP 0\r\na=fingerprint:sha-256\r\n", 6, "hash-func"},
      {"m=audio 1 RTP/AVP 0\r\na=:x\r\n", 6, "attribute name"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n", 6, "needs 30"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB!\r\n",
       6, "base64"},
      // Strict base64 even where the suite is unknown (no key length to check): no empty key,
      // no unused bits set, no whitespace, so one key has one spelling.
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 FUTURE_SUITE inline:\r\n", 6, "key-param"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 FUTURE_SUITE inline:Zh==\r\n", 6, "base64"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 FUTURE_SUITE inline:Zg=\r\n", 6, "base64"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^99\r\n",
       6, "lifetime"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:200\r\n",
       6, "MKI"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|256:1\r\n",
       6, "does not fit"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4|2^20\r\n",
       6, "last"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
       "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR;inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n",
       6, "distinct MKIs"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
       "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n",
       7, "tag 1 repeated"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES-CM inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n", 6, "crypto-suite"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n",
       6, "tag"},
      {"m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80\r\n", 6, "expected <tag>"},
  };
  for (const auto& c : media_cases) {
    std::string text = head + c.text;
    SCOPED_TRACE(text);
    auto r = parse_sdp(text);
    ASSERT_FALSE(r);
    EXPECT_EQ(error_line(r), c.line);
    EXPECT_NE(r.message().find(c.fragment), std::string::npos) << r.message();
  }
}

TEST(SdpTest, CryptoTagsAreScopedPerMediaSection) {
  const std::string crypto = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n";
  std::string text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 1 RTP/SAVP 0\r\n" +
                     crypto +
                     "m=video 2 RTP/SAVP 96\r\n" + crypto;
  round_trip(text);
}

TEST(SdpTest, NulByteIsRefused) {
  std::string text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=x:a";
  text += '\0';
  text += "b\r\n";
  auto r = parse_sdp(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(error_line(r), 5u);
}

TEST(SdpTest, LimitsAreEnforced) {
  std::string text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n";
  for (int i = 0; i < 5; ++i) text += "m=audio " + std::to_string(1000 + i) + " RTP/AVP 0\r\n";
  SdpLimits limits;
  limits.max_media = 4;
  auto r = parse_sdp(text, limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(error_line(r), 10u);
  EXPECT_NE(r.message().find("media sections"), std::string::npos);
  limits.max_media = 5;
  EXPECT_TRUE(parse_sdp(text, limits));
  limits.max_lines = 9;
  EXPECT_FALSE(parse_sdp(text, limits));
  limits.max_lines = 4096;
  limits.max_bytes = text.size() - 1;
  auto big = parse_sdp(text, limits);
  ASSERT_FALSE(big);
  EXPECT_NE(big.message().find("exceeds"), std::string::npos);
}

TEST(SdpTest, EditingAndWritingAnAnswer) {
  auto parsed = parse_sdp(kDtlsOffer);
  ASSERT_TRUE(parsed) << parsed.message();
  Sdp answer = *parsed;
  SdpMedia& audio = answer.media[0];
  audio.port = 40000;
  audio.port_count.reset();
  audio.attributes.set_direction(SdpDirection::kRecvOnly);
  audio.attributes.set_setup(SdpSetup::kActive);
  audio.attributes.set_rtcp_mux(false);
  SdpCrypto c;
  c.tag = 7;
  c.suite = "AES_CM_128_HMAC_SHA1_32";
  std::vector<uint8_t> key(30);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7);
  c.keys.push_back(SdpCryptoKey{"inline", base64_encode(key), "2^31", std::nullopt, std::nullopt});
  audio.attributes.add_crypto(c);
  auto w = write_sdp(answer);
  ASSERT_TRUE(w) << w.message();
  auto back = parse_sdp(*w);
  ASSERT_TRUE(back) << back.message();
  const SdpMedia& a2 = back->media[0];
  EXPECT_EQ(a2.port, 40000);
  EXPECT_FALSE(a2.port_count);
  EXPECT_EQ(a2.attributes.direction(), SdpDirection::kRecvOnly);
  EXPECT_EQ(a2.attributes.values("sendonly").size(), 0u);
  EXPECT_EQ(a2.attributes.setup(), SdpSetup::kActive);
  EXPECT_FALSE(a2.attributes.rtcp_mux());
  auto cryptos = a2.attributes.cryptos();
  ASSERT_EQ(cryptos.size(), 1u);
  EXPECT_EQ(cryptos[0].tag, 7u);
  EXPECT_EQ(cryptos[0].keys[0].decode_key_salt(), key);
  EXPECT_EQ(cryptos[0].keys[0].lifetime_packets(), uint64_t{1} << 31);
  // Unknown attributes kept their order around the edits.
  EXPECT_EQ(a2.attributes.items()[0].name, "mid");
  EXPECT_EQ(a2.attributes.items().back().name, "crypto");
  EXPECT_EQ(audio.attributes.remove("fmtp"), 1u);
  EXPECT_FALSE(audio.attributes.has("fmtp"));
}

TEST(SdpTest, WriterRefusesLineInjection) {
  auto parsed = parse_sdp(kDtlsOffer);
  ASSERT_TRUE(parsed);
  {
    Sdp s = *parsed;
    s.session_name = "x\r\na=injected";
    auto w = write_sdp(s);
    EXPECT_FALSE(w);
    EXPECT_EQ(w.code(), Code::kInvalid);
    EXPECT_NE(w.message().find("s="), std::string::npos) << w.message();
  }
  {
    Sdp s = *parsed;
    s.media[0].attributes.add("fmtp", std::string("0 x\nm=audio 1 RTP/AVP 0"));
    EXPECT_FALSE(write_sdp(s));
  }
  {
    Sdp s = *parsed;
    s.media[0].attributes.add("bad name", std::nullopt);
    EXPECT_FALSE(write_sdp(s));
  }
  {
    Sdp s = *parsed;
    s.origin.address = "1.2.3.4 extra";
    EXPECT_FALSE(write_sdp(s));
  }
  {
    Sdp s = *parsed;
    s.media[1].connections.push_back(SdpConnection{"IN", "IP4", ""});
    EXPECT_FALSE(write_sdp(s));
  }
  {
    Sdp s = *parsed;
    s.media[2].formats.clear();
    EXPECT_FALSE(write_sdp(s));
  }
}

TEST(SdpTest, DefaultSdpWritesAParseableDescription) {
  Sdp s;
  SdpMedia m;
  m.port = 4000;
  m.formats = {"0"};
  s.media.push_back(m);
  auto w = write_sdp(s);
  ASSERT_TRUE(w) << w.message();
  EXPECT_EQ(*w, "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
  // Written as asked, but a reader refuses media without any c= (RFC 8866 5.7).
  auto no_c = parse_sdp(*w);
  EXPECT_FALSE(no_c);
  EXPECT_EQ(error_line(no_c), 5u);
  s.connection = SdpConnection{"IN", "IP4", "127.0.0.1"};
  auto w2 = write_sdp(s);
  ASSERT_TRUE(w2) << w2.message();
  EXPECT_TRUE(parse_sdp(*w2));
}

TEST(SdpTest, SuiteKeyLengths) {
  EXPECT_EQ(srtp_key_salt_length("AES_CM_128_HMAC_SHA1_80"), 30u);
  EXPECT_EQ(srtp_key_salt_length("AES_256_CM_HMAC_SHA1_32"), 46u);
  EXPECT_EQ(srtp_key_salt_length("AEAD_AES_128_GCM"), 28u);
  EXPECT_FALSE(srtp_key_salt_length("NOT_A_SUITE"));
  // An unknown suite is kept; only its base64 is checked.
  auto c = parse_crypto("3 FUTURE_SUITE inline:TWFu");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->keys[0].decode_key_salt()->size(), 3u);
  // Non-inline key methods keep their key-info untouched.
  auto other = parse_crypto("4 AES_CM_128_HMAC_SHA1_80 uri:https://keys.example.com/k1");
  ASSERT_TRUE(other.ok()) << other.message();
  EXPECT_EQ(other->keys[0].method, "uri");
  EXPECT_FALSE(other->keys[0].decode_key_salt());
  EXPECT_EQ(format_crypto(*other), "4 AES_CM_128_HMAC_SHA1_80 uri:https://keys.example.com/k1");
}

TEST(SdpTest, RtpmapAndFingerprintFormatters) {
  auto r = parse_rtpmap("0 PCMU/8000");
  ASSERT_TRUE(r);
  EXPECT_EQ(format_rtpmap(*r), "0 PCMU/8000");
  auto f = parse_fingerprint("sha-1 4a:ad:b9");
  ASSERT_TRUE(f);
  EXPECT_EQ(format_fingerprint(*f), "sha-1 4a:ad:b9");
  EXPECT_EQ(f->bytes(), (std::vector<uint8_t>{0x4a, 0xad, 0xb9}));
  auto odd = parse_fingerprint("sha-1 4a:ad:b");
  EXPECT_EQ(odd.code(), Code::kInvalid);
  EXPECT_EQ(odd.message(), "fingerprint must be hex pairs separated by ':'");
  EXPECT_FALSE(parse_fingerprint("sha-1 4a::ad").ok());
  auto pt = parse_rtpmap("200 PCMU/8000");
  EXPECT_EQ(pt.code(), Code::kInvalid);
  EXPECT_EQ(pt.message(), "payload type must be 0..127");
  EXPECT_EQ(parse_setup("holdconn"), SdpSetup::kHoldconn);
  EXPECT_FALSE(parse_setup("Active"));
}

}  // namespace
}  // namespace imsguard::sip
