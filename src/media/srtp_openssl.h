#pragma once
// OpenSSL primitives for libsrtp. Debian 12's libsrtp2 does its AES and HMAC through NSS,
// whose cost per packet grows with the number of live sessions (measured here: 2.2 us per
// AES_CM_128_HMAC_SHA1_80 packet with 1 session, 21 us with 2,000: NSS's softoken keeps its
// contexts in shared tables). libsrtp lets an application replace a cipher or an
// authentication type by id; this registers AES-ICM-128 (EVP AES-128-CTR, also what libsrtp's
// key derivation uses) and HMAC-SHA1 (EVP_MAC) built on OpenSSL, each context owned by its
// session. libsrtp keeps the SRTP protocol: packet index, replay window, key derivation,
// tag placement. AES-GCM sessions still go through NSS.
#include <string>

namespace imsguard::media {

// Replaces libsrtp's AES-ICM-128 and HMAC-SHA1 after srtp_init(). libsrtp runs each type's
// self-test (RFC 3711 B.2 keystream, RFC 2202 HMAC-SHA1) before accepting it. "" on success,
// else why (the caller then keeps libsrtp's own types).
std::string install_openssl_srtp_primitives();

}  // namespace imsguard::media
