#include "store/provisioning.h"

#include <algorithm>
#include <map>

#include "crypto/hash.h"
#include "crypto/hex.h"

namespace imsguard::store {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

template <std::size_t N>
std::optional<std::string> decode_hex(std::string_view name, std::string_view text, std::array<uint8_t, N>& out) {
  auto bytes = crypto::from_hex(text);
  if (!bytes || bytes->size() != N) {
    return std::string(name) + " must be " + std::to_string(2 * N) + " hex digits";
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return std::nullopt;
}

// Splits one CSV line into fields. Quoted fields keep their spaces and may contain commas;
// nullopt (with a reason) for an unterminated quote or text after a closing quote.
std::optional<std::vector<std::string>> split_csv_line(std::string_view line, std::string& reason) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += line[i++];
      }
      if (!closed) {
        reason = "unterminated quoted field";
        return std::nullopt;
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      if (i < line.size() && line[i] != ',') {
        reason = "text after a closing quote";
        return std::nullopt;
      }
    } else {
      std::size_t end = line.find(',', i);
      if (end == std::string_view::npos) end = line.size();
      field = std::string(trim(line.substr(i, end - i)));
      if (field.find('"') != std::string::npos) {
        reason = "quote inside an unquoted field";
        return std::nullopt;
      }
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

std::vector<std::string> split_on(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    auto piece = trim(text.substr(start, end - start));
    if (!piece.empty()) out.emplace_back(piece);
    start = end + 1;
  }
  return out;
}

std::vector<std::string> split_spaces(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::optional<uint64_t> parse_sqn_hex(std::string_view text) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  if (text.empty() || text.size() > 12) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else return std::nullopt;
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  return value;
}

StoreResult<Subscriber> build_subscriber(const SubscriberSpec& spec, const ProvisioningOptions& options) {
  Subscriber s;
  s.impi = spec.impi;
  s.impus = spec.impus;
  s.realm = options.realm;
  s.services = spec.services;
  bool digest = !spec.password.empty();
  bool aka = !spec.k.empty();
  if (digest && aka) return invalid("give either a password (digest) or K (AKA), not both");
  if (!digest && !aka) return invalid("give a password (digest) or K and OPc/OP (AKA)");
  if (digest) {
    if (!spec.opc.empty() || !spec.op.empty() || !spec.amf.empty() || !spec.sqn.empty()) {
      return invalid("OPc/OP/AMF/SQN only apply to AKA subscribers");
    }
    s.scheme = AuthScheme::kDigest;
    s.ha1_md5 = crypto::digest_ha1(crypto::HashAlgorithm::kMd5, s.impi, s.realm, spec.password);
    s.ha1_sha256 = crypto::digest_ha1(crypto::HashAlgorithm::kSha256, s.impi, s.realm, spec.password);
    s.ha1_sha512_256 = crypto::digest_ha1(crypto::HashAlgorithm::kSha512_256, s.impi, s.realm, spec.password);
  } else {
    s.scheme = AuthScheme::kAka;
    if (auto e = decode_hex("K", spec.k, s.k)) return invalid(*e);
    if (!spec.opc.empty() && !spec.op.empty()) return invalid("give OPc or OP, not both");
    if (!spec.opc.empty()) {
      if (auto e = decode_hex("OPc", spec.opc, s.opc)) return invalid(*e);
    } else if (!spec.op.empty()) {
      std::array<uint8_t, 16> op{};
      if (auto e = decode_hex("OP", spec.op, op)) return invalid(*e);
      if (!options.opc_from_op) return invalid("OP is not supported by this build (no Milenage): give OPc");
      auto opc = options.opc_from_op(s.k, op);
      if (!opc) return invalid("cannot compute OPc from K and OP");
      s.opc = *opc;
    } else {
      return invalid("AKA subscriber needs OPc or OP");
    }
    if (!spec.amf.empty()) {
      if (auto e = decode_hex("AMF", spec.amf, s.amf)) return invalid(*e);
    }
    if (!spec.sqn.empty()) {
      auto sqn = parse_sqn_hex(spec.sqn);
      if (!sqn) return invalid("SQN must be 1 to 12 hex digits (48 bits)");
      s.sqn = *sqn;
    }
  }
  if (auto e = validate_subscriber(s)) return invalid(*e);
  return s;
}

ParsedCsv parse_subscriber_csv(std::string_view text, const ProvisioningOptions& options) {
  ParsedCsv out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM

  static const std::vector<std::string> kKnown = {"impi", "impu", "password", "k", "opc",
                                                  "op",   "amf",  "sqn",      "services"};
  std::map<std::string, std::size_t> column;  // name -> index
  std::size_t width = 0;
  bool have_header = false;
  std::map<std::string, std::size_t> impi_line, impu_line;

  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;

    std::string reason;
    auto fields = split_csv_line(line, reason);
    if (!fields) {
      out.errors.push_back({line_no, reason});
      if (!have_header) return out;  // nothing can be read without the header
      continue;
    }

    if (!have_header) {
      have_header = true;
      width = fields->size();
      std::vector<std::string> problems;
      for (std::size_t i = 0; i < fields->size(); ++i) {
        std::string name = lower((*fields)[i]);
        if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) {
          problems.push_back("unknown column '" + (*fields)[i] + "'");
        } else if (!column.emplace(name, i).second) {
          problems.push_back("column '" + name + "' appears twice");
        }
      }
      if (!column.count("impi")) problems.push_back("missing column 'impi'");
      if (!column.count("impu")) problems.push_back("missing column 'impu'");
      if (!column.count("password") && !column.count("k")) {
        problems.push_back("need a 'password' column (digest) or 'k' and 'opc'/'op' columns (AKA)");
      }
      if (column.count("k") && !column.count("opc") && !column.count("op")) {
        problems.push_back("column 'k' needs an 'opc' or 'op' column");
      }
      if (!problems.empty()) {
        std::string joined;
        for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
        out.errors.push_back({line_no, "bad header: " + joined});
        return out;
      }
      continue;
    }

    if (fields->size() != width) {
      out.errors.push_back({line_no, "has " + std::to_string(fields->size()) + " fields, the header has " +
                                         std::to_string(width)});
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      auto it = column.find(name);
      return it == column.end() ? std::string() : (*fields)[it->second];
    };
    SubscriberSpec spec;
    spec.impi = get("impi");
    spec.impus = split_spaces(get("impu"));
    spec.password = get("password");
    spec.k = get("k");
    spec.opc = get("opc");
    spec.op = get("op");
    spec.amf = get("amf");
    spec.sqn = get("sqn");
    spec.services = split_on(get("services"), ';');
    if (!spec.password.empty()) {
      // AKA columns may be present (mixed file) but must be empty on a digest row.
      if (!spec.k.empty()) {
        out.errors.push_back({line_no, "both password and k are set"});
        continue;
      }
      spec.opc.clear();
      spec.op.clear();
      if (!trim(spec.amf).empty() || !trim(spec.sqn).empty()) {
        out.errors.push_back({line_no, "amf/sqn set on a digest (password) row"});
        continue;
      }
      spec.amf.clear();
      spec.sqn.clear();
    }
    auto built = build_subscriber(spec, options);
    if (!built) {
      out.errors.push_back({line_no, built.message()});
      continue;
    }
    Subscriber& s = built.value();
    if (auto it = impi_line.find(s.impi); it != impi_line.end()) {
      out.errors.push_back({line_no, "IMPI '" + s.impi + "' already on line " + std::to_string(it->second)});
      continue;
    }
    bool clash = false;
    for (const auto& impu : s.impus) {
      if (auto it = impu_line.find(impu); it != impu_line.end()) {
        out.errors.push_back({line_no, "IMPU '" + impu + "' already on line " + std::to_string(it->second)});
        clash = true;
        break;
      }
    }
    if (clash) continue;
    impi_line.emplace(s.impi, line_no);
    for (const auto& impu : s.impus) impu_line.emplace(impu, line_no);
    out.subscribers.push_back(std::move(s));
    out.lines.push_back(line_no);
  }
  if (!have_header) out.errors.push_back({1, "empty file: expected a header line"});
  return out;
}

StoreResult<ImportReport> import_subscriber_csv(std::string_view text, const ProvisioningOptions& options,
                                                bool skip_bad, SubscriberStore& store) {
  ParsedCsv parsed = parse_subscriber_csv(text, options);
  ImportReport report;
  report.errors = std::move(parsed.errors);
  std::vector<Subscriber> good;
  good.reserve(parsed.subscribers.size());
  for (std::size_t i = 0; i < parsed.subscribers.size(); ++i) {
    const Subscriber& s = parsed.subscribers[i];
    std::size_t line = parsed.lines[i];
    auto existing = store.find(s.impi);
    if (!existing) return existing.error();
    if (existing.value()) {
      report.errors.push_back({line, "IMPI '" + s.impi + "' already exists"});
      continue;
    }
    bool clash = false;
    for (const auto& impu : s.impus) {
      auto owner = store.find_by_impu(impu);
      if (!owner) return owner.error();
      if (owner.value()) {
        report.errors.push_back({line, "IMPU '" + impu + "' already belongs to '" + owner.value()->impi + "'"});
        clash = true;
        break;
      }
    }
    if (!clash) good.push_back(s);
  }
  std::stable_sort(report.errors.begin(), report.errors.end(),
                   [](const CsvLineError& a, const CsvLineError& b) { return a.line < b.line; });
  if (!report.errors.empty() && !skip_bad) return report;
  if (!good.empty()) {
    if (auto r = store.add_all(good); !r) return r.error();
  }
  report.imported = good.size();
  return report;
}

}  // namespace imsguard::store
