#pragma once
// A parsed SIP message as views into the caller's buffer (zero-copy): the start line, every
// header field in order, and the body. The buffer must outlive the Message.
//
// Why this shape: the edge parses every datagram it receives, most of which it forwards or
// refuses after reading a handful of fields. So parsing only indexes the header lines
// (name resolved to a HeaderId, value trimmed) into an inline array, with no allocation
// for up to kInlineHeaders fields; typed views (Via, name-addr, CSeq, ...) are parsed on
// demand from those values. A Message can be reused with clear() without freeing memory.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sip/auth.h"
#include "sip/header_id.h"
#include "sip/lex.h"
#include "sip/method.h"
#include "sip/name_addr.h"
#include "sip/security_agreement.h"
#include "sip/via.h"
#include "sip/via_received.h"

namespace imsguard::sip {

// One header line (folded continuation lines included).
struct HeaderField {
  HeaderId id = HeaderId::kOther;
  std::string_view name;   // as written ("v", "Via", "MaX-fOrWaRdS")
  std::string_view value;  // LWS-trimmed; may contain folding CRLFs, treated as LWS
  std::string_view raw;    // from the name to the end of the value, without the final CRLF
};

struct CSeq {
  uint32_t number = 0;
  std::string_view method;
};

class Message {
 public:
  static constexpr size_t kInlineHeaders = 64;

  Message() { clear(); }
  void clear();

  // --- start line
  bool is_request() const { return is_request_; }
  Method method() const { return method_; }
  std::string_view method_name() const { return method_name_; }
  std::string_view request_uri() const { return request_uri_; }
  std::string_view version() const { return version_; }
  int status_code() const { return status_code_; }
  std::string_view reason() const { return reason_; }
  std::string_view start_line() const { return start_line_; }

  // --- header fields, in order
  std::span<const HeaderField> headers() const { return {fields(), size_}; }
  // First field with this id; nullptr when absent.
  const HeaderField* find(HeaderId id) const;
  // First field with this name (case-insensitive, compact forms resolved for known names).
  const HeaderField* find(std::string_view name) const;
  // Number of header lines with this id.
  size_t count(HeaderId id) const;
  bool has(HeaderId id) const { return count(id) != 0; }

  // Every comma-separated element of every line with this id, in order (for list
  // headers; other headers give one element per line; Privacy is split at ';' and ','
  // into its priv-values). fn(std::string_view) returns nothing. Returns false when a
  // quoted string or <> is left open.
  template <class Fn>
  bool for_each_value(HeaderId id, Fn&& fn) const;
  std::vector<std::string_view> values(HeaderId id) const;
  // Number of elements as above (an empty element counts as one).
  size_t count_values(HeaderId id) const;

  // --- typed access (parsed on demand; nullopt when absent or malformed)
  std::string_view call_id() const;  // empty when absent
  std::optional<CSeq> cseq() const;
  std::optional<uint32_t> max_forwards() const;  // 0..255
  std::optional<Via> top_via() const;
  // All Via elements; nullopt when any is malformed.
  std::optional<std::vector<Via>> vias() const;
  std::optional<NameAddr> from() const;
  std::optional<NameAddr> to() const;
  std::optional<std::vector<NameAddr>> contacts() const;
  std::optional<std::vector<NameAddr>> routes() const;
  std::optional<std::vector<NameAddr>> record_routes() const;
  std::optional<std::vector<NameAddr>> p_asserted_identities() const;
  std::optional<std::vector<NameAddr>> p_preferred_identities() const;
  // Any list of name-addr elements (Path, Service-Route, ...).
  std::optional<std::vector<NameAddr>> name_addrs(HeaderId id) const;
  std::optional<uint32_t> expires() const;
  // Authorization / Proxy-Authorization / WWW-Authenticate / Proxy-Authenticate (one value
  // per line, never comma-split) and Authentication-Info; nullopt when any is malformed.
  std::optional<std::vector<AuthValue>> auth_values(HeaderId id) const;
  // Security-Client / Security-Server / Security-Verify elements (RFC 3329).
  std::optional<std::vector<SecurityMechanism>> security_mechanisms(HeaderId id) const;
  // Privacy priv-values (RFC 3323: "id", "header", "none", ...), in order.
  std::vector<std::string_view> privacy() const { return values(HeaderId::kPrivacy); }
  std::string_view user_agent() const;  // empty when absent
  // The Content-Length the message declared; nullopt when absent.
  std::optional<size_t> content_length() const { return content_length_; }
  // The media type without parameters ("application/sdp"); empty when absent.
  std::string_view content_type() const;
  std::string_view body() const { return body_; }
  // The framed message: start line through the end of the body.
  std::string_view raw() const { return raw_; }
  // Start line and headers, up to and including the empty line.
  std::string_view head() const { return head_; }

  // --- where the request came from (RFC 3261 18.2.1, RFC 3581), set by the server transport
  // after parsing (clear() forgets it). While set on a request, make_response and
  // MessageWriter write its top Via with received (and rport when asked for): the answers
  // and the relayed copy then tell the client its public address.
  void set_received_from(const ReceivedFrom& from) { received_from_ = from; }
  const ReceivedFrom& received_from() const { return received_from_; }

 private:
  friend class MessageParser;

  HeaderField* fields() { return spilled_ ? overflow_.data() : inline_.data(); }
  const HeaderField* fields() const { return spilled_ ? overflow_.data() : inline_.data(); }
  void add_field(const HeaderField& f);

  bool is_request_ = false;
  Method method_ = Method::kUnknown;
  std::string_view method_name_;
  std::string_view request_uri_;
  std::string_view version_;
  int status_code_ = 0;
  std::string_view reason_;
  std::string_view start_line_;
  std::string_view body_;
  std::string_view raw_;
  std::string_view head_;
  std::optional<size_t> content_length_;
  ReceivedFrom received_from_;

  size_t size_ = 0;
  bool spilled_ = false;
  std::array<HeaderField, kInlineHeaders> inline_{};
  std::vector<HeaderField> overflow_;
  // First index of each id (kNone when absent) and line count, so find() is O(1).
  static constexpr uint16_t kNone = 0xffff;
  std::array<uint16_t, kHeaderIdCount> first_{};
  std::array<uint16_t, kHeaderIdCount> counts_{};
};

template <class Fn>
bool Message::for_each_value(HeaderId id, Fn&& fn) const {
  if (count(id) == 0) return true;
  bool ok = true;
  const HeaderField* f = fields();
  for (size_t i = first_[static_cast<size_t>(id)]; i < size_; ++i) {
    if (f[i].id != id) continue;
    if (id == HeaderId::kPrivacy) {
      std::string_view v = f[i].value;
      size_t start = 0;
      for (size_t k = 0; k <= v.size(); ++k) {
        if (k == v.size() || v[k] == ';' || v[k] == ',') {
          fn(trim_lws(v.substr(start, k - start)));
          start = k + 1;
        }
      }
    } else if (is_list_header(id)) {
      ok = split_list(f[i].value, fn) && ok;
    } else {
      fn(f[i].value);
    }
  }
  return ok;
}

}  // namespace imsguard::sip
