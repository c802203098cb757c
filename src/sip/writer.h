#pragma once
// Rebuilds a message after edits, for a proxy that forwards. Untouched header lines are
// copied byte for byte from the original buffer (including compact names, odd spacing and
// folding), so forwarding never changes what it did not mean to change and signatures
// over header fields (e.g. Identity) survive. Only edited lines are generated.
// Content-Length is rewritten when the body changes or was implied (UDP without one).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.h"

namespace imsguard::sip {

class MessageWriter {
 public:
  // The Message (and its buffer) must outlive the writer.
  explicit MessageWriter(const Message& message);

  // Adds a new topmost Via (value without "Via:"), before the first existing Via line.
  MessageWriter& prepend_via(std::string_view value);
  // Removes the first element of the first Via line (the top Via), as a proxy does on
  // responses; the rest of that line stays.
  MessageWriter& remove_top_via();
  MessageWriter& remove_all(HeaderId id);
  MessageWriter& remove_all(std::string_view name);  // any header, by name
  MessageWriter& remove_first(HeaderId id);
  // Adds a header line at the end of the header section.
  MessageWriter& add_header(std::string_view name, std::string_view value);
  // Adds a header line before the first header line (e.g. a Route in front).
  MessageWriter& prepend_header(std::string_view name, std::string_view value);
  // Replaces every line of this header with one line (at the first one's place, or at
  // the end when absent) carrying value.
  MessageWriter& replace_header(HeaderId id, std::string_view value);
  MessageWriter& set_request_uri(std::string_view uri);
  // Replaces the body and its Content-Type; an empty type removes Content-Type.
  MessageWriter& set_body(std::string_view content_type, std::string_view body);

  // The serialized message. Values given to the edit calls are sanitised: CR and LF are
  // replaced by spaces so no edit can inject a header line.
  std::string str() const;

 private:
  struct Line {
    const HeaderField* original = nullptr;  // null: generated
    std::string text;                       // generated "Name: value" (no CRLF)
    bool removed = false;
  };
  static std::string make_line(std::string_view name, std::string_view value);

  const Message& message_;
  std::vector<Line> lines_;
  std::string request_uri_;
  bool request_uri_set_ = false;
  std::string body_;
  bool body_set_ = false;
};

}  // namespace imsguard::sip
