#include "edge/challenge_policy.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace imsguard::edge {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool challenge_header(std::string_view line) {
  std::string l = lower(line.substr(0, std::min<size_t>(line.size(), 20)));
  return l.rfind("www-authenticate:", 0) == 0 || l.rfind("proxy-authenticate:", 0) == 0;
}

// The algorithm a challenge line names ("md5" when absent: RFC 2617's default).
std::string algorithm_of(std::string_view line) {
  std::string l = lower(line);
  size_t at = l.find("algorithm=");
  if (at == std::string::npos) return "md5";
  size_t start = at + 10;
  if (start < l.size() && l[start] == '"') ++start;
  size_t end = l.find_first_of("\", \t\r", start);
  return l.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

bool strong(const std::string& algorithm) { return algorithm.rfind("sha-", 0) == 0; }

}  // namespace

bool ChallengePolicy::md5_only(const sip::Message& msg) const {
  const auto& agents = config_.auth.md5_only_user_agents;
  if (agents.empty()) return false;
  const auto& algorithms = config_.auth.digest_algorithms;
  if (std::find(algorithms.begin(), algorithms.end(), "MD5") == algorithms.end()) return false;
  std::string_view ua = msg.user_agent();
  std::string product = lower(ua.substr(0, ua.find_first_of("/ \t")));
  if (product.empty()) return false;
  return std::any_of(agents.begin(), agents.end(), [&](const std::string& a) { return lower(a) == product; });
}

std::string ChallengePolicy::keep_md5(std::string_view response) {
  if (response.rfind("SIP/2.0 401 ", 0) != 0 && response.rfind("SIP/2.0 407 ", 0) != 0) return std::string(response);
  size_t head_end = response.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return std::string(response);
  std::vector<std::string_view> lines;
  bool weak = false, any_strong = false;
  for (size_t at = 0; at < head_end + 2;) {
    size_t end = response.find("\r\n", at);
    std::string_view line = response.substr(at, end - at);
    lines.push_back(line);
    if (challenge_header(line)) (strong(algorithm_of(line)) ? any_strong : weak) = true;
    at = end + 2;
  }
  if (!weak || !any_strong) return std::string(response);  // never leave a client without a challenge
  std::string out;
  out.reserve(response.size());
  for (auto line : lines) {
    if (challenge_header(line) && strong(algorithm_of(line))) continue;
    out.append(line).append("\r\n");
  }
  out.append(response.substr(head_end + 2));
  return out;
}

}  // namespace imsguard::edge
