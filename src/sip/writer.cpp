#include "sip/writer.h"

#include "sip/lex.h"

namespace imsguard::sip {
namespace {

void append_clean(std::string& out, std::string_view text) {
  for (char c : text) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
}

}  // namespace

MessageWriter::MessageWriter(const Message& message) : message_(message) {
  lines_.reserve(message.headers().size() + 4);
  for (const HeaderField& f : message.headers()) {
    Line l;
    l.original = &f;
    l.id = f.id;
    lines_.push_back(std::move(l));
  }
  if (message.is_request() && !message.received_from().empty()) annotate_top_via();
}

void MessageWriter::annotate_top_via() {
  for (Line& l : lines_) {
    if (l.id != HeaderId::kVia) continue;
    // Written straight into the generated line: the annotation has no CR/LF to clean.
    Line annotated;
    append_clean(annotated.name, line_name(l));
    annotated.id = HeaderId::kVia;
    annotated.text.reserve(annotated.name.size() + l.original->value.size() + 64);
    annotated.text = annotated.name;
    annotated.text += ": ";
    if (!append_received_via_line(annotated.text, l.original->value, message_.received_from())) return;
    l = std::move(annotated);
    return;
  }
}

MessageWriter::Line MessageWriter::make_line(std::string_view name, std::string_view value) {
  Line l;
  append_clean(l.name, name);
  l.id = lookup_header(l.name);
  l.text.reserve(name.size() + value.size() + 2);
  l.text = l.name;
  l.text += ": ";
  append_clean(l.text, value);
  return l;
}

std::string_view MessageWriter::line_name(const Line& l) const {
  return l.original ? l.original->name : std::string_view(l.name);
}

// Known headers match by id (so compact and long forms are the same header); unknown ones
// by case-insensitive name.
bool MessageWriter::same_header(const Line& l, HeaderId id, std::string_view name) {
  if (l.removed) return false;
  if (id != HeaderId::kOther) return l.id == id;
  if (l.id != HeaderId::kOther) return false;
  return iequals(l.original ? l.original->name : std::string_view(l.name), name);
}

MessageWriter& MessageWriter::prepend_via(std::string_view value) {
  size_t at = 0;
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (same_header(lines_[i], HeaderId::kVia, {})) {
      at = i;
      break;
    }
  }
  lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(at), make_line("Via", value));
  return *this;
}

MessageWriter& MessageWriter::remove_top_via() {
  for (Line& l : lines_) {
    if (!same_header(l, HeaderId::kVia, {})) continue;
    std::string_view value;
    if (l.original) {
      value = l.original->value;
    } else {
      value = trim_lws(std::string_view(l.text).substr(l.name.size() + 1));
    }
    std::vector<std::string_view> elements;
    split_list(value, [&](std::string_view e) { elements.push_back(e); });
    if (elements.size() <= 1) {
      l.removed = true;
    } else {
      std::string rest;
      for (size_t i = 1; i < elements.size(); ++i) {
        if (i > 1) rest += ", ";
        rest += elements[i];
      }
      // Build before assigning: rest views into the line being replaced.
      Line replacement = make_line(line_name(l), rest);
      l = std::move(replacement);
    }
    break;
  }
  return *this;
}

MessageWriter& MessageWriter::remove_all(HeaderId id) {
  if (id == HeaderId::kOther) return *this;
  for (Line& l : lines_) {
    if (same_header(l, id, {})) l.removed = true;
  }
  return *this;
}

MessageWriter& MessageWriter::remove_all(std::string_view name) {
  HeaderId id = lookup_header(name);
  for (Line& l : lines_) {
    if (same_header(l, id, name)) l.removed = true;
  }
  return *this;
}

MessageWriter& MessageWriter::remove_first(HeaderId id) {
  if (id == HeaderId::kOther) return *this;
  for (Line& l : lines_) {
    if (same_header(l, id, {})) {
      l.removed = true;
      break;
    }
  }
  return *this;
}

MessageWriter& MessageWriter::add_header(std::string_view name, std::string_view value) {
  lines_.push_back(make_line(name, value));
  return *this;
}

MessageWriter& MessageWriter::prepend_header(std::string_view name, std::string_view value) {
  lines_.insert(lines_.begin(), make_line(name, value));
  return *this;
}

MessageWriter& MessageWriter::replace_header(HeaderId id, std::string_view value) {
  if (id == HeaderId::kOther) return *this;
  return replace_header(header_name(id), value);
}

MessageWriter& MessageWriter::replace_header(std::string_view name, std::string_view value) {
  HeaderId id = lookup_header(name);
  std::string_view canonical = id == HeaderId::kOther ? name : header_name(id);
  bool placed = false;
  for (Line& l : lines_) {
    if (!same_header(l, id, name)) continue;
    if (!placed) {
      l = make_line(canonical, value);
      placed = true;
    } else {
      l.removed = true;
    }
  }
  if (!placed) add_header(canonical, value);
  return *this;
}

MessageWriter& MessageWriter::set_request_uri(std::string_view uri) {
  request_uri_.clear();
  append_clean(request_uri_, uri);
  request_uri_set_ = true;
  return *this;
}

MessageWriter& MessageWriter::set_body(std::string_view content_type, std::string_view body) {
  body_.assign(body);
  body_set_ = true;
  remove_all(HeaderId::kContentType);
  if (!content_type.empty()) add_header("Content-Type", content_type);
  return *this;
}

std::string MessageWriter::str() const {
  std::string_view body = body_set_ ? std::string_view(body_) : message_.body();
  // Keep the original Content-Length line only when it still describes the body.
  bool keep_length = !body_set_ && message_.content_length() &&
                     *message_.content_length() == body.size();
  std::string out;
  out.reserve(message_.raw().size() + 256 + (body_set_ ? body_.size() : 0));
  if (message_.is_request() && request_uri_set_) {
    out += message_.method_name();
    out += ' ';
    out += request_uri_;
    out += ' ';
    out += message_.version();
  } else {
    out += message_.start_line();
  }
  out += "\r\n";
  bool wrote_length = false;
  for (const Line& l : lines_) {
    if (l.removed) continue;
    if (l.id == HeaderId::kContentLength) {
      // Exactly one Content-Length, always true to the body.
      if (!keep_length || wrote_length || !l.original) continue;
      wrote_length = true;
    }
    if (l.original) {
      out += l.original->raw;
    } else {
      out += l.text;
    }
    out += "\r\n";
  }
  if (!wrote_length) {
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

}  // namespace imsguard::sip
