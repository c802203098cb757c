#include "ops/events.h"

#include "common/utf8.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>

namespace imsguard::ops {

// Field values come from the network (user names, Via hosts, reasons quoting a header), so
// the line stays valid JSON whatever the bytes: control characters are escaped, and bytes
// that are not well-formed UTF-8 (stray continuation bytes, truncated sequences, overlong
// forms, UTF-16 surrogates, code points above U+10FFFF) become U+FFFD, one per maximal
// ill-formed subpart (Unicode 15, 3.9, read by common/utf8.h), as a browser's decoder would read them.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    Utf8Step step = utf8_step(s, i);
    if (step.well_formed) out.append(s.substr(i, step.length));
    else out += "\\ufffd";
    i += step.length;
  }
  out.push_back('"');
}

Status EventSink::open(const std::string& output) {
  std::lock_guard lock(mutex_);
  if (owns_ && out_) std::fclose(out_);
  out_ = nullptr;
  owns_ = false;
  if (output == "none" || output.empty()) return {};
  if (output == "stdout") {
    out_ = stdout;
    return {};
  }
  int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return unavailable_error("cannot open event log '" + output + "': " + std::strerror(errno));
  out_ = ::fdopen(fd, "a");
  owns_ = true;
  return {};
}

void EventSink::emit(const SecurityEvent& e) { emit(e, 0, false, 0); }

void EventSink::emit(const SecurityEvent& e, uint64_t count, bool summary, int64_t span_ms) {
  std::string line;
  line.reserve(160);
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  line += "{\"time\":\"";
  line += ts;
  line += "\",\"event\":\"security\",\"guard\":";
  append_json_string(line, e.guard);
  line += ",\"source\":";
  append_json_string(line, e.source);
  line += ",\"identity\":";
  append_json_string(line, e.identity);
  line += ",\"action\":";
  append_json_string(line, e.action);
  line += ",\"reason\":";
  append_json_string(line, e.reason);
  if (count) {
    line += ",\"count\":" + std::to_string(count);
    if (summary) line += ",\"summary\":true,\"span_ms\":" + std::to_string(span_ms);
  }
  line += "}\n";
  std::lock_guard lock(mutex_);
  ++emitted_;
  if (!out_) return;
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

// The constructor and destructor are in episodes.cpp, where EventSink::Episodes is defined.

}  // namespace imsguard::ops
