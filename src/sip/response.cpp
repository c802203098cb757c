#include "sip/response.h"

#include "sip/lex.h"

namespace imsguard::sip {
namespace {

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  append_unfolded(out, value);
  out += "\r\n";
}

}  // namespace

std::string_view default_reason(int code) {
  switch (code) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 420: return "Bad Extension";
    case 421: return "Extension Required";
    case 423: return "Interval Too Brief";
    case 429: return "Provide Referrer Identity";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 483: return "Too Many Hops";
    case 484: return "Address Incomplete";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 494: return "Security Agreement Required";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    case 603: return "Decline";
    default: return "Unknown";
  }
}

std::string make_response(const Message& request, int code, std::string_view reason,
                          std::span<const HeaderPair> extra, std::string_view to_tag) {
  if (code < 100 || code > 699) code = 500;
  if (reason.empty()) reason = default_reason(code);
  std::string out;
  out.reserve(512);
  out += "SIP/2.0 ";
  out += std::to_string(code);
  out += ' ';
  append_unfolded(out, reason);
  out += "\r\n";
  bool top_via = true;
  for (const HeaderField& f : request.headers()) {
    if (f.id != HeaderId::kVia) continue;
    out += "Via: ";
    // The top Via tells the client where its request came from (via_received.h).
    if (!top_via || !request.is_request() || !append_received_via_line(out, f.value, request.received_from()))
      append_unfolded(out, f.value);
    out += "\r\n";
    top_via = false;
  }
  if (const HeaderField* f = request.find(HeaderId::kFrom)) append_header(out, "From", f->value);
  if (const HeaderField* f = request.find(HeaderId::kTo)) {
    out += "To: ";
    append_unfolded(out, f->value);
    if (!to_tag.empty() && code > 100) {
      auto na = parse_name_addr(f->value);
      if (na && na->tag().empty()) {
        out += ";tag=";
        out += to_tag;
      }
    }
    out += "\r\n";
  }
  if (const HeaderField* f = request.find(HeaderId::kCallId)) {
    append_header(out, "Call-ID", f->value);
  }
  if (const HeaderField* f = request.find(HeaderId::kCSeq)) append_header(out, "CSeq", f->value);
  for (const HeaderPair& h : extra) {
    std::string name;
    append_unfolded(name, h.first);
    append_header(out, name, h.second);
  }
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

}  // namespace imsguard::sip
