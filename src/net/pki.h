#pragma once
// A private CA and the certificates issued from it (ECDSA P-256), so TLS on I-C and mutual
// TLS on I-S work out of the box without an external PKI. Keys are written 0600.
#include <string>
#include <vector>

#include "common/status.h"

namespace imsguard::net {

// Failures: kInvalid (a bad name or SAN), kNotFound (no CA to issue from), kUnavailable (a
// file cannot be written), kInternal (OpenSSL refused to make a key or sign).

// Creates <dir>/ca.crt and <dir>/ca.key unless they exist (then leaves them untouched).
Status pki_init(const std::string& dir, const std::string& common_name = "imsguard private CA",
                   int validity_days = 3650);

// Issues <dir>/<name>.crt and <dir>/<name>.key signed by the CA in <dir>. `sans` are DNS
// names or IP addresses ("127.0.0.1", "localhost"). `client` sets clientAuth, else serverAuth
// (a server certificate also gets clientAuth, so the core can use it for mutual TLS).
Status pki_issue(const std::string& dir, const std::string& name, const std::vector<std::string>& sans,
                  bool client, int validity_days = 825);

// True when the file exists.
bool file_exists(const std::string& path);

}  // namespace imsguard::net
