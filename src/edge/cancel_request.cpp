#include "edge/cancel_request.h"

namespace imsguard::edge {

namespace {

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

std::string make_cancel(const sip::Message& relayed_invite, std::string_view our_via) {
  auto cseq = relayed_invite.cseq();
  const sip::HeaderField* from = relayed_invite.find(sip::HeaderId::kFrom);
  const sip::HeaderField* to = relayed_invite.find(sip::HeaderId::kTo);
  if (!cseq || !from || !to || relayed_invite.call_id().empty() || relayed_invite.request_uri().empty()) return {};
  std::string out = "CANCEL ";
  out += relayed_invite.request_uri();
  out += " SIP/2.0\r\n";
  append_header(out, "Via", our_via);
  // The Route set in order, one line each as the INVITE had them (9.1: "the same").
  for (const auto& field : relayed_invite.headers())
    if (field.id == sip::HeaderId::kRoute) append_header(out, "Route", field.value);
  append_header(out, "Max-Forwards", "70");
  append_header(out, "From", from->value);
  append_header(out, "To", to->value);
  append_header(out, "Call-ID", relayed_invite.call_id());
  append_header(out, "CSeq", std::to_string(cseq->number) + " CANCEL");
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

}  // namespace imsguard::edge
