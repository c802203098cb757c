#include "sip/message.h"

namespace imsguard::sip {

void Message::clear() {
  is_request_ = false;
  method_ = Method::kUnknown;
  method_name_ = {};
  request_uri_ = {};
  version_ = {};
  status_code_ = 0;
  reason_ = {};
  start_line_ = {};
  body_ = {};
  raw_ = {};
  head_ = {};
  content_length_.reset();
  received_from_ = {};
  size_ = 0;
  spilled_ = false;
  overflow_.clear();  // keeps its capacity for the next message
  first_.fill(kNone);
  counts_.fill(0);
}

void Message::add_field(const HeaderField& f) {
  if (!spilled_ && size_ == kInlineHeaders) {
    overflow_.assign(inline_.begin(), inline_.end());
    spilled_ = true;
  }
  if (spilled_) {
    overflow_.push_back(f);
  } else {
    inline_[size_] = f;
  }
  size_t id = static_cast<size_t>(f.id);
  if (first_[id] == kNone) first_[id] = static_cast<uint16_t>(size_);
  ++counts_[id];
  ++size_;
}

const HeaderField* Message::find(HeaderId id) const {
  uint16_t i = first_[static_cast<size_t>(id)];
  return i == kNone ? nullptr : &fields()[i];
}

const HeaderField* Message::find(std::string_view name) const {
  HeaderId id = lookup_header(name);
  if (id != HeaderId::kOther) return find(id);
  for (const HeaderField& f : headers()) {
    if (f.id == HeaderId::kOther && iequals(f.name, name)) return &f;
  }
  return nullptr;
}

size_t Message::count(HeaderId id) const { return counts_[static_cast<size_t>(id)]; }

std::vector<std::string_view> Message::values(HeaderId id) const {
  std::vector<std::string_view> out;
  for_each_value(id, [&](std::string_view v) { out.push_back(v); });
  return out;
}

size_t Message::count_values(HeaderId id) const {
  size_t n = 0;
  for_each_value(id, [&](std::string_view) { ++n; });
  return n;
}

std::string_view Message::call_id() const {
  const HeaderField* f = find(HeaderId::kCallId);
  return f ? f->value : std::string_view{};
}

std::optional<CSeq> Message::cseq() const {
  const HeaderField* f = find(HeaderId::kCSeq);
  if (!f) return std::nullopt;
  std::string_view v = f->value;
  size_t i = 0;
  while (i < v.size() && is_digit(v[i])) ++i;
  auto number = parse_decimal(v.substr(0, i), 0xffffffffULL);
  if (!number) return std::nullopt;
  size_t j = i;
  while (j < v.size() && is_lws(v[j])) ++j;
  if (j == i) return std::nullopt;
  std::string_view method = v.substr(j);
  if (!is_token(method)) return std::nullopt;
  return CSeq{static_cast<uint32_t>(*number), method};
}

std::optional<uint32_t> Message::max_forwards() const {
  const HeaderField* f = find(HeaderId::kMaxForwards);
  if (!f) return std::nullopt;
  auto v = parse_decimal(f->value, 255);
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

std::optional<uint32_t> Message::expires() const {
  const HeaderField* f = find(HeaderId::kExpires);
  if (!f) return std::nullopt;
  auto v = parse_decimal(f->value, 0xffffffffULL);
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

std::optional<Via> Message::top_via() const {
  std::optional<Via> top;
  bool first = true;
  // Only the first element is parsed.
  const HeaderField* f = find(HeaderId::kVia);
  if (!f) return std::nullopt;
  split_list(f->value, [&](std::string_view v) {
    if (first) top = parse_via(v);
    first = false;
  });
  return top;
}

std::optional<std::vector<Via>> Message::vias() const {
  std::vector<Via> out;
  // One allocation for the usual one or two elements per line.
  if (size_t lines = count(HeaderId::kVia)) out.reserve(lines < 2 ? 2 : lines);
  bool ok = true;
  ok = for_each_value(HeaderId::kVia, [&](std::string_view v) {
    auto via = parse_via(v);
    if (via) {
      out.push_back(*via);
    } else {
      ok = false;
    }
  }) && ok;
  if (!ok) return std::nullopt;
  return out;
}

std::optional<NameAddr> Message::from() const {
  const HeaderField* f = find(HeaderId::kFrom);
  return f ? parse_name_addr(f->value) : std::nullopt;
}

std::optional<NameAddr> Message::to() const {
  const HeaderField* f = find(HeaderId::kTo);
  return f ? parse_name_addr(f->value) : std::nullopt;
}

std::optional<std::vector<NameAddr>> Message::name_addrs(HeaderId id) const {
  std::vector<NameAddr> out;
  if (size_t lines = count(id)) out.reserve(lines < 2 ? 2 : lines);
  bool ok = true;
  bool wildcard_ok = id == HeaderId::kContact;
  ok = for_each_value(id, [&](std::string_view v) {
    auto na = parse_name_addr(v, wildcard_ok);
    if (na) {
      out.push_back(*na);
    } else {
      ok = false;
    }
  }) && ok;
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<NameAddr>> Message::contacts() const {
  return name_addrs(HeaderId::kContact);
}
std::optional<std::vector<NameAddr>> Message::routes() const {
  return name_addrs(HeaderId::kRoute);
}
std::optional<std::vector<NameAddr>> Message::record_routes() const {
  return name_addrs(HeaderId::kRecordRoute);
}
std::optional<std::vector<NameAddr>> Message::p_asserted_identities() const {
  return name_addrs(HeaderId::kPAssertedIdentity);
}
std::optional<std::vector<NameAddr>> Message::p_preferred_identities() const {
  return name_addrs(HeaderId::kPPreferredIdentity);
}

std::optional<std::vector<AuthValue>> Message::auth_values(HeaderId id) const {
  std::vector<AuthValue> out;
  bool has_scheme = id != HeaderId::kAuthenticationInfo;
  for (const HeaderField& f : headers()) {
    if (f.id != id) continue;
    auto a = parse_auth_value(f.value, has_scheme);
    if (!a) return std::nullopt;
    out.push_back(*a);
  }
  return out;
}

std::optional<std::vector<SecurityMechanism>> Message::security_mechanisms(HeaderId id) const {
  std::vector<SecurityMechanism> out;
  bool ok = true;
  ok = for_each_value(id, [&](std::string_view v) {
    auto m = parse_security_mechanism(v);
    if (m) {
      out.push_back(*m);
    } else {
      ok = false;
    }
  }) && ok;
  if (!ok) return std::nullopt;
  return out;
}

std::string_view Message::user_agent() const {
  const HeaderField* f = find(HeaderId::kUserAgent);
  return f ? f->value : std::string_view{};
}

std::string_view Message::content_type() const {
  const HeaderField* f = find(HeaderId::kContentType);
  if (!f) return {};
  std::string_view v = f->value;
  return trim_lws(v.substr(0, v.find(';')));
}

}  // namespace imsguard::sip
