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
    lines_.push_back(std::move(l));
  }
}

std::string MessageWriter::make_line(std::string_view name, std::string_view value) {
  std::string s;
  s.reserve(name.size() + value.size() + 2);
  append_clean(s, name);
  s += ": ";
  append_clean(s, value);
  return s;
}

MessageWriter& MessageWriter::prepend_via(std::string_view value) {
  Line l;
  l.text = make_line("Via", value);
  size_t at = 0;
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (!lines_[i].removed && lines_[i].original && lines_[i].original->id == HeaderId::kVia) {
      at = i;
      break;
    }
  }
  lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(at), std::move(l));
  return *this;
}

MessageWriter& MessageWriter::remove_top_via() {
  for (Line& l : lines_) {
    if (l.removed) continue;
    bool is_via = l.original ? l.original->id == HeaderId::kVia
                             : (l.text.size() > 4 && iequals(l.text.substr(0, 4), "Via:"));
    if (!is_via) continue;
    std::string_view value =
        l.original ? l.original->value : trim_lws(std::string_view(l.text).substr(4));
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
      std::string_view name = l.original ? l.original->name : std::string_view("Via");
      l.text = make_line(name, rest);
      l.original = nullptr;
    }
    break;
  }
  return *this;
}

MessageWriter& MessageWriter::remove_all(HeaderId id) {
  for (Line& l : lines_) {
    if (l.original && l.original->id == id) l.removed = true;
  }
  return *this;
}

MessageWriter& MessageWriter::remove_all(std::string_view name) {
  HeaderId id = lookup_header(name);
  if (id != HeaderId::kOther) return remove_all(id);
  for (Line& l : lines_) {
    if (l.original && l.original->id == HeaderId::kOther && iequals(l.original->name, name)) {
      l.removed = true;
    }
  }
  return *this;
}

MessageWriter& MessageWriter::remove_first(HeaderId id) {
  for (Line& l : lines_) {
    if (!l.removed && l.original && l.original->id == id) {
      l.removed = true;
      break;
    }
  }
  return *this;
}

MessageWriter& MessageWriter::add_header(std::string_view name, std::string_view value) {
  Line l;
  l.text = make_line(name, value);
  lines_.push_back(std::move(l));
  return *this;
}

MessageWriter& MessageWriter::prepend_header(std::string_view name, std::string_view value) {
  Line l;
  l.text = make_line(name, value);
  lines_.insert(lines_.begin(), std::move(l));
  return *this;
}

MessageWriter& MessageWriter::replace_header(HeaderId id, std::string_view value) {
  bool placed = false;
  for (Line& l : lines_) {
    if (l.removed || !l.original || l.original->id != id) continue;
    if (!placed) {
      l.text = make_line(header_name(id), value);
      l.original = nullptr;
      placed = true;
    } else {
      l.removed = true;
    }
  }
  if (!placed) add_header(header_name(id), value);
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
  for (Line& l : lines_) {
    if (!l.original && l.text.size() > 13 && iequals(l.text.substr(0, 13), "Content-Type:")) {
      l.removed = true;
    }
  }
  if (!content_type.empty()) add_header("Content-Type", content_type);
  return *this;
}

std::string MessageWriter::str() const {
  std::string_view body = body_set_ ? std::string_view(body_) : message_.body();
  // Keep the original Content-Length lines only when they still describe the body.
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
    if (l.original) {
      if (l.original->id == HeaderId::kContentLength) {
        if (!keep_length || wrote_length) continue;
        wrote_length = true;
      }
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
