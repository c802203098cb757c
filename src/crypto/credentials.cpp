#include "crypto/credentials.h"

#include <cctype>

namespace imsguard::crypto {
namespace {

void lower_in_place(std::string& s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool is_digest(std::string_view value) {
  size_t i = 0;
  while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
  std::string_view rest = value.substr(i);
  if (rest.size() < 6) return false;
  for (size_t k = 0; k < 6; ++k)
    if (std::tolower(static_cast<unsigned char>(rest[k])) != "digest"[k]) return false;
  return rest.size() == 6 || rest[6] == ' ' || rest[6] == '\t';
}

}  // namespace

std::string impi_key(std::string_view username, std::string_view to_host) {
  std::string out(username);
  if (out.find('@') == std::string::npos && !to_host.empty()) {
    out += '@';
    out += to_host;
  }
  lower_in_place(out);
  return out;
}

std::string to_impi(const sip::Message& msg) {
  auto to = msg.to();
  if (!to || (!to->uri.has_user && to->uri.host.empty())) return {};
  std::string out = to->uri.user_unescaped();
  if (!to->uri.host.empty()) {
    out += '@';
    out += to->uri.host;
  }
  lower_in_place(out);
  return out;
}

RequestCredentials read_credentials(const sip::Message& msg, sip::HeaderId header, std::string_view realm) {
  RequestCredentials r;
  size_t ours = 0;
  bool malformed = false, other = false;
  for (const auto& h : msg.headers()) {
    if (h.id != header) continue;
    if (!is_digest(h.value)) {
      other = true;  // another scheme: not for us
      continue;
    }
    auto parsed = parse_digest_credentials(h.value);
    if (!parsed.ok()) {
      malformed = true;
      continue;
    }
    if (parsed->realm != realm) {
      other = true;
      continue;
    }
    if (++ours == 1) r.creds = std::move(*parsed);
  }
  if (malformed) r.found = CredentialsFound::kMalformed;
  else if (ours > 1) r.found = CredentialsFound::kAmbiguous;
  else if (ours == 1) r.found = CredentialsFound::kOurs;
  else if (other) r.found = CredentialsFound::kOtherRealm;
  auto to = msg.to();
  std::string to_host = to ? std::string(to->uri.host) : std::string();
  if (r.found == CredentialsFound::kOurs && !r.creds.username.empty()) {
    r.impi = impi_key(r.creds.username, to_host);
    r.impi_from_credentials = true;
  } else {
    r.impi = to_impi(msg);
  }
  if (r.found != CredentialsFound::kOurs) r.creds = DigestCredentials{};
  return r;
}

}  // namespace imsguard::crypto
