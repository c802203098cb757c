// The same feature macros as the Debian build of libcpp-httplib (its pkg-config Cflags), so
// the declarations match the compiled library we link.
#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wcast-align"
#include <httplib.h>
#pragma GCC diagnostic pop

#include "client/content_fetch.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace imsguard::client {
namespace {

bool jws_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

}  // namespace

std::optional<ContentToken> parse_content_token(std::string_view value) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  ContentToken out;
  size_t semi = value.find(';');
  std::string_view token = trim(value.substr(0, semi));
  if (token.empty() || token.size() > 4096 || !std::all_of(token.begin(), token.end(), jws_char)) return std::nullopt;
  out.token = std::string(token);
  while (semi != std::string_view::npos) {
    size_t start = semi + 1;
    semi = value.find(';', start);
    std::string_view param = trim(value.substr(start, semi == std::string_view::npos ? semi : semi - start));
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = trim(param.substr(0, eq)), v = trim(param.substr(eq + 1));
    if (name == "service") out.service = std::string(v);
    if (name == "expires" && !v.empty() && v.size() <= 18 && std::all_of(v.begin(), v.end(), ::isdigit))
      out.expires = std::stoll(std::string(v));
  }
  return out;
}

StatusOr<HttpsUrl> parse_https_url(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return invalid_argument("--url must start with https:// (content is never fetched in the clear)");
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpsUrl out;
  out.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return invalid_argument("--url: unterminated [IPv6] address");
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return invalid_argument("--url: junk after ]");
      }
      port = after.substr(1);
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, out.host.c_str(), &a6) != 1) {
      return invalid_argument("--url: '" + out.host + "' is not an IPv6 address");
    }
  } else {
    size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty() || out.host.find('@') != std::string::npos) {
    return invalid_argument("--url needs a host (and no user@)");
  }
  if (std::any_of(out.host.begin(), out.host.end(), [](char c) {
        return !(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':');
      })) {
    return invalid_argument("--url: bad host '" + out.host + "'");
  }
  if (port.data() != nullptr) {
    bool ok = !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), ::isdigit);
    long p = ok ? std::stol(std::string(port)) : 0;
    if (!ok || p < 1 || p > 65535) {
      return invalid_argument("--url: port must be 1..65535");
    }
    out.port = static_cast<uint16_t>(p);
  }
  if (std::any_of(out.path.begin(), out.path.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#';
      })) {
    return invalid_argument("--url: the path may not contain spaces, control characters or a fragment");
  }
  return out;
}

FetchResult fetch_content(const FetchOptions& o) {
  FetchResult out;
  httplib::SSLClient cli(o.url.host, o.url.port);
  cli.set_ca_cert_path(o.ca_file.c_str());
  cli.enable_server_certificate_verification(true);
  cli.set_follow_location(false);  // the token goes to the URL given, nowhere else
  cli.set_connection_timeout(o.timeout);
  cli.set_read_timeout(o.timeout);
  cli.set_write_timeout(o.timeout);
  httplib::Headers headers{{"Authorization", "Bearer " + o.token}};
  bool too_large = false;
  auto res = cli.Get(o.url.path, headers, [&](const char* data, size_t n) {
    if (out.body.size() + n > o.max_body) {
      too_large = true;
      return false;
    }
    out.body.append(data, n);
    return true;
  });
  if (!res) {
    if (too_large) {
      out.error = unavailable_error("content larger than " + std::to_string(o.max_body) + " bytes");
      return out;
    }
    std::string why = "HTTPS to " + o.url.host + ":" + std::to_string(o.url.port) + " failed: " +
                      httplib::to_string(res.error());
    if (res.error() == httplib::Error::SSLServerVerification)
      why += " (the server's certificate does not verify against " + o.ca_file + ")";
    // The CA file is ours to give; everything else is the server's or the network's doing.
    if (res.error() == httplib::Error::SSLLoadingCerts) {
      out.error = invalid_argument(why + " (cannot load the CA file " + o.ca_file + ")");
      return out;
    }
    out.error = unavailable_error(std::move(why));
    return out;
  }
  out.status = res->status;
  return out;
}

std::string printable_body(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (char c : body) {
    auto u = static_cast<unsigned char>(c);
    out.push_back((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f ? '?' : c);
  }
  return out;
}

}  // namespace imsguard::client
