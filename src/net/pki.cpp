#include "net/pki.h"

#include "crypto/openssl_error.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cstdio>
#include <functional>
#include <memory>

namespace imsguard::net {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

KeyPtr new_key() { return KeyPtr(EVP_EC_gen("P-256")); }

Status write_pem(const std::string& path, mode_t mode, const std::function<int(FILE*)>& writer) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return unavailable_error("cannot write '" + path + "'");
  ::fchmod(fd, mode);
  FILE* f = ::fdopen(fd, "w");
  bool ok = writer(f) == 1;
  std::fclose(f);
  if (!ok) return internal_error(crypto::openssl_error("cannot encode '" + path + "'"));
  return {};
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return true;
}

CertPtr make_cert(EVP_PKEY* subject_key, const std::string& cn, int days) {
  CertPtr cert(X509_new());
  unsigned char serial[16];
  // RFC 5280 4.1.2.2: serials unpredictable to a requester; no certificate without one.
  if (!cert || RAND_bytes(serial, sizeof serial) != 1) return CertPtr();
  X509_set_version(cert.get(), 2);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_set_pubkey(cert.get(), subject_key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("imsguard"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

KeyPtr read_key(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return nullptr;
  KeyPtr key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return key;
}

CertPtr read_cert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return nullptr;
  CertPtr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

}  // namespace

bool file_exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

Status pki_init(const std::string& dir, const std::string& common_name, int validity_days) {
  ::mkdir(dir.c_str(), 0700);
  std::string crt = dir + "/ca.crt", key = dir + "/ca.key";
  if (file_exists(crt) && file_exists(key)) return {};
  KeyPtr k = new_key();
  if (!k) return internal_error(crypto::openssl_error("cannot generate the CA key"));
  CertPtr cert = make_cert(k.get(), common_name, validity_days);
  if (!cert) return internal_error(crypto::openssl_error("cannot create the CA certificate (no random serial)"));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), k.get(), EVP_sha256()) == 0)
    return internal_error(crypto::openssl_error("cannot sign the CA certificate"));
  if (Status s = write_pem(key, 0600, [&](FILE* f) { return PEM_write_PrivateKey(f, k.get(), nullptr, nullptr, 0, nullptr, nullptr); });
      !s.ok())
    return s;
  return write_pem(crt, 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
}

Status pki_issue(const std::string& dir, const std::string& name, const std::vector<std::string>& sans,
                 bool client, int validity_days) {
  if (name.empty() || name.find('/') != std::string::npos || name == "ca")
    return invalid_argument("certificate name must be a plain file name other than 'ca'");
  KeyPtr ca_key = read_key(dir + "/ca.key");
  CertPtr ca_cert = read_cert(dir + "/ca.crt");
  if (!ca_key || !ca_cert)
    return not_found_error("no CA in '" + dir + "' (run `imsguard pki init --dir " + dir + "` first)");
  KeyPtr k = new_key();
  CertPtr cert = k ? make_cert(k.get(), name, validity_days) : CertPtr();
  if (!cert) return internal_error(crypto::openssl_error("cannot create the certificate (key or random serial)"));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  std::string san;
  for (const auto& s : sans) {
    unsigned char buf[16];
    bool ip = inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
    san += (san.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + s;
  }
  if (!san.empty() && !add_ext(cert.get(), ca_cert.get(), NID_subject_alt_name, san))
    return invalid_argument("invalid subject alternative name list '" + san + "'");
  add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
  add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage, client ? "clientAuth" : "serverAuth,clientAuth");
  add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always");
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0)
    return internal_error(crypto::openssl_error("cannot sign the certificate"));
  std::string base = dir + "/" + name;
  if (Status s = write_pem(base + ".key", 0600, [&](FILE* f) { return PEM_write_PrivateKey(f, k.get(), nullptr, nullptr, 0, nullptr, nullptr); });
      !s.ok())
    return s;
  return write_pem(base + ".crt", 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
}

}  // namespace imsguard::net
