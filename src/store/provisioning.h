#pragma once
// Turning operator input (CLI options, CSV files) into Subscriber records: computing HA1s so
// a password never reaches the store, decoding keys, and reporting every bad CSV line with
// its number. Kept out of the CLI so the rules are unit-tested and shared by `add`/`import`.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/result.h"
#include "store/subscriber.h"
#include "store/subscriber_store.h"

namespace imsguard::store {

// OPc from K and OP (Milenage). Injected so the store does not depend on Milenage; nullopt
// on failure.
using OpcFromOp = std::function<std::optional<std::array<uint8_t, 16>>(const std::array<uint8_t, 16>& k,
                                                                      const std::array<uint8_t, 16>& op)>;

struct ProvisioningOptions {
  std::string realm = "ims.local";
  OpcFromOp opc_from_op;  // empty: OP is refused, OPc must be given
};

// One subscriber as an operator writes it; every field is text as typed.
struct SubscriberSpec {
  std::string impi;
  std::vector<std::string> impus;
  std::string password;  // digest if non-empty
  std::string k;         // AKA if non-empty: 32 hex digits
  std::string opc;       // 32 hex digits, or
  std::string op;        // 32 hex digits (needs opc_from_op)
  std::string amf;       // 4 hex digits, default 0000
  std::string sqn;       // hex, at most 12 digits, optional 0x, default 0
  std::vector<std::string> services;
};

// Builds and validates the record: digest gets HA1 for MD5, SHA-256 and SHA-512-256 over
// impi:realm:password. kInvalid with a reason for any bad field.
StoreResult<Subscriber> build_subscriber(const SubscriberSpec& spec, const ProvisioningOptions& options);

// Parses a 48-bit SQN given in hex (optional 0x prefix, 1 to 12 digits).
std::optional<uint64_t> parse_sqn_hex(std::string_view text);

struct CsvLineError {
  std::size_t line = 0;  // 1-based line number in the file
  std::string reason;
};

struct ParsedCsv {
  std::vector<Subscriber> subscribers;
  std::vector<std::size_t> lines;  // line number of each subscriber
  std::vector<CsvLineError> errors;
};

// CSV with one header line naming columns (any order, case-insensitive):
//   impi, impu            required; several IMPUs in one cell are separated by spaces
//   password              digest rows
//   k, opc | op, amf, sqn AKA rows (amf and sqn optional)
//   services              optional, ';'-separated
// A row is digest if its password is non-empty, AKA if its k is non-empty. Fields may be
// quoted ("a ""b"""); unquoted fields are trimmed; blank lines are ignored. Rows that repeat
// an IMPI or IMPU of an earlier row are errors. Never stops at the first error.
ParsedCsv parse_subscriber_csv(std::string_view text, const ProvisioningOptions& options);

struct ImportReport {
  std::size_t imported = 0;
  std::vector<CsvLineError> errors;  // sorted by line; includes rows clashing with the store
};

// Parses, checks every row against the store (existing IMPI / IMPU) and adds the rows in one
// transaction. With errors and !skip_bad nothing is imported (imported == 0); with skip_bad
// the good rows are. A store failure is returned as the error (nothing imported).
StoreResult<ImportReport> import_subscriber_csv(std::string_view text, const ProvisioningOptions& options,
                                                bool skip_bad, SubscriberStore& store);

}  // namespace imsguard::store
