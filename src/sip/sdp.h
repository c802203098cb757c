#pragma once
// SDP (RFC 8866) session descriptions for offer/answer, with the attributes the media
// path negotiates on: a=rtpmap, a=crypto (RFC 4568 SDES), a=fingerprint (RFC 8122),
// a=setup (RFC 4145), a=rtcp-mux (RFC 5761) and the direction attributes.
//
// Unlike the SIP message, an SDP is owned (std::string fields), because the edge and the
// media relay rewrite it (addresses, ports, keys) before forwarding. Parsing is strict: a
// line out of the RFC 8866 order, an unknown type letter or a malformed known attribute
// is refused with its line number, since a lenient reading of keys or addresses is where
// offer/answer attacks hide. Attributes are kept as an ordered (name, value) list so
// unknown ones survive a round trip; typed views are parsed from that list on demand.
// write_sdp() of a parsed canonical SDP (CRLF lines, RFC 8866 order) is byte-identical.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace imsguard::sip {

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
struct SdpOrigin {
  std::string username = "-";
  std::string session_id = "0";  // digits; kept as text, it may exceed 64 bits
  std::string session_version = "0";
  std::string nettype = "IN";
  std::string addrtype = "IP4";
  std::string address = "127.0.0.1";
};

// c=<nettype> <addrtype> <connection-address>; a multicast address keeps its /ttl/count.
struct SdpConnection {
  std::string nettype = "IN";
  std::string addrtype = "IP4";
  std::string address;
  // The address without a multicast "/ttl[/count]" suffix.
  std::string_view host() const;
};

// b=<bwtype>:<bandwidth>
struct SdpBandwidth {
  std::string type;  // CT, AS, TIAS, RS, RR, ...
  uint64_t value = 0;
};

// t=<start> <stop> and the r= lines that belong to it (kept as written).
struct SdpTiming {
  uint64_t start = 0;
  uint64_t stop = 0;
  std::vector<std::string> repeats;
};

// One a= line. value is nullopt for a property attribute (a=rtcp-mux) and "" for "a=x:".
struct SdpAttribute {
  std::string name;
  std::optional<std::string> value;
};

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
// The clock rate may be missing: RFC 4475's sdp01 message (well-formed per that RFC)
// carries "a=rtpmap:31 LPC", so it is accepted and written back as it came.
struct SdpRtpMap {
  uint8_t payload_type = 0;  // 0..127
  std::string encoding;
  std::optional<uint32_t> clock_rate;
  std::optional<std::string> encoding_params;  // e.g. channels "2"
};

// One key-param of a=crypto: "inline:<key||salt base64>[|<lifetime>][|<mki>:<length>]".
// Key methods other than inline keep their key-info in key_salt untouched.
struct SdpCryptoKey {
  std::string method = "inline";
  std::string key_salt;                 // base64 as written for inline
  std::optional<std::string> lifetime;  // "2^20" or "1048576" as written
  std::optional<uint64_t> mki_value;    // set together with mki_length
  std::optional<uint32_t> mki_length;   // bytes, 1..128

  // Master key || master salt, for inline keys with valid base64.
  std::optional<std::vector<uint8_t>> decode_key_salt() const;
  // The lifetime in packets (2^n or decimal); nullopt when absent or above 2^63.
  std::optional<uint64_t> lifetime_packets() const;
};

// a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]  (RFC 4568 section 9.1)
struct SdpCrypto {
  uint32_t tag = 1;  // 1..999999999
  std::string suite;
  std::vector<SdpCryptoKey> keys;  // at least one; separated by ';'
  std::vector<std::string> session_params;
};

// a=fingerprint:<hash-func> <XX:XX:...>
struct SdpFingerprint {
  std::string hash;   // "sha-256", as written
  std::string value;  // colon-separated hex pairs, as written
  std::optional<std::vector<uint8_t>> bytes() const;
};

enum class SdpSetup { kActive, kPassive, kActpass, kHoldconn };
enum class SdpDirection { kSendRecv, kSendOnly, kRecvOnly, kInactive };

std::string_view setup_name(SdpSetup s);
std::string_view direction_name(SdpDirection d);

// Master key + salt length in bytes of the SRTP suites this project knows (RFC 4568,
// RFC 6188, RFC 7714); nullopt for any other suite name.
std::optional<size_t> srtp_key_salt_length(std::string_view suite);

// Parses the value of one typed attribute (the part after "a=<name>:"). On failure kInvalid
// and the reason ("payload type must be 0..127").
StatusOr<SdpRtpMap> parse_rtpmap(std::string_view value);
StatusOr<SdpCrypto> parse_crypto(std::string_view value);
StatusOr<SdpFingerprint> parse_fingerprint(std::string_view value);
std::optional<SdpSetup> parse_setup(std::string_view value);
std::string format_rtpmap(const SdpRtpMap& r);
std::string format_crypto(const SdpCrypto& c);
std::string format_fingerprint(const SdpFingerprint& f);

// The ordered a= lines of one level (session or media), with typed views. The typed
// getters skip values that do not parse (parse_sdp() already refused those).
class SdpAttributes {
 public:
  std::vector<SdpAttribute>& items() { return items_; }
  const std::vector<SdpAttribute>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }

  bool has(std::string_view name) const;
  // The first attribute with that name, or nullptr.
  const SdpAttribute* find(std::string_view name) const;
  // Values of every attribute with that name, in order (property attributes give "").
  std::vector<std::string_view> values(std::string_view name) const;
  void add(std::string name, std::optional<std::string> value = std::nullopt);
  // Removes every attribute with that name; returns how many went.
  size_t remove(std::string_view name);

  std::vector<SdpRtpMap> rtpmaps() const;
  std::optional<SdpRtpMap> rtpmap(uint8_t payload_type) const;
  std::vector<SdpCrypto> cryptos() const;
  std::optional<SdpFingerprint> fingerprint() const;
  std::optional<SdpSetup> setup() const;
  std::optional<SdpDirection> direction() const;
  bool rtcp_mux() const { return has("rtcp-mux"); }

  // Replace (or add at the end) the single attribute of that kind.
  void set_direction(SdpDirection d);
  void set_setup(SdpSetup s);
  void set_rtcp_mux(bool on);
  void add_crypto(const SdpCrypto& c) { add("crypto", format_crypto(c)); }

 private:
  std::vector<SdpAttribute> items_;
};

// m=<media> <port>[/<count>] <proto> <fmt> ... and the lines of its section.
struct SdpMedia {
  std::string media = "audio";
  uint16_t port = 0;
  std::optional<uint32_t> port_count;
  std::string proto = "RTP/AVP";
  std::vector<std::string> formats;
  std::optional<std::string> information;  // i=
  std::vector<SdpConnection> connections;  // c= (several only for multicast)
  std::vector<SdpBandwidth> bandwidths;
  std::optional<std::string> key;  // k= (obsolete, kept as written)
  SdpAttributes attributes;

  // True for RTP/SAVP, RTP/SAVPF and the UDP/TLS/ variants.
  bool is_secure_rtp() const;
};

struct Sdp {
  SdpOrigin origin;
  std::string session_name = "-";
  std::optional<std::string> information;  // i=
  std::optional<std::string> uri;          // u=
  std::vector<std::string> emails;         // e=
  std::vector<std::string> phones;         // p=
  std::optional<SdpConnection> connection;
  std::vector<SdpBandwidth> bandwidths;
  std::vector<SdpTiming> timings{SdpTiming{}};  // at least one
  std::optional<std::string> zone;              // z= as written
  std::optional<std::string> key;               // k= as written
  SdpAttributes attributes;
  std::vector<SdpMedia> media;

  // The connection that applies to a media section: its own first c=, else the session's.
  const SdpConnection* connection_for(const SdpMedia& m) const;
  // The direction of a media section: its own, else the session's, else sendrecv.
  SdpDirection direction_for(const SdpMedia& m) const;
};

struct SdpLimits {
  size_t max_bytes = 65535;
  size_t max_lines = 4096;
  size_t max_media = 64;
};

// Parses an SDP body. Lines end in CRLF (bare LF is accepted too); the last line may lack
// its line end and trailing empty lines are ignored. kInvalid with a "line 7: ..." message
// (the line of the first problem, when there is one).
StatusOr<Sdp> parse_sdp(std::string_view text, const SdpLimits& limits = {});

// Serializes in RFC 8866 order (CRLF lines). A field holding CR/LF/NUL (or a space where a
// token is required) is refused (kInvalid, naming the field) rather than written, so a
// rewritten SDP cannot smuggle lines.
StatusOr<std::string> write_sdp(const Sdp& sdp);

}  // namespace imsguard::sip
