#include "store/redis_link.h"

#include "crypto/openssl_error.h"
#include "store/redis_reply_limit.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace imsguard::store {

void RedisReplyFree::operator()(redisReply* r) const { freeReplyObject(r); }

namespace {

using crypto::openssl_error;

timeval to_timeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

// hiredis over a plain TCP connection.
class PlainLink final : public RedisLink {
 public:
  explicit PlainLink(redisContext* ctx) : ctx_(ctx) {}
  ~PlainLink() override { redisFree(ctx_); }

  StatusOr<RedisReplyPtr> call(int argc, const char** argv, const size_t* lens) override {
    RedisReplyPtr r(static_cast<redisReply*>(redisCommandArgv(ctx_, argc, argv, lens)));
    if (!r) return unavailable_error(ctx_->errstr[0] ? ctx_->errstr : "no reply");
    return r;
  }
  bool broken() const override { return ctx_->err != 0; }

 private:
  redisContext* ctx_;
};

// OpenSSL over our own socket; hiredis formats commands and parses replies.
class TlsLink final : public RedisLink {
 public:
  ~TlsLink() override {
    if (ssl_ != nullptr) {
      if (!broken_) SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (reader_ != nullptr) redisReaderFree(reader_);
    if (fd_ >= 0) ::close(fd_);
  }

  std::string open(const config::RedisUrl& url) {
    // Local files first: a missing CA or key is a configuration error whatever the network does.
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ == nullptr) return openssl_error("TLS context");
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    bool trust = url.ca.empty() ? SSL_CTX_set_default_verify_paths(ctx_) == 1
                                : SSL_CTX_load_verify_locations(ctx_, url.ca.c_str(), nullptr) == 1;
    if (!trust) return openssl_error("cannot load the CA " + (url.ca.empty() ? std::string("store") : url.ca));
    if (!url.cert.empty()) {
      if (SSL_CTX_use_certificate_chain_file(ctx_, url.cert.c_str()) != 1)
        return openssl_error("cannot load the client certificate " + url.cert);
      if (SSL_CTX_use_PrivateKey_file(ctx_, (url.key.empty() ? url.cert : url.key).c_str(), SSL_FILETYPE_PEM) != 1 ||
          SSL_CTX_check_private_key(ctx_) != 1)
        return openssl_error("cannot load the client key " + url.key);
    }
    if (std::string e = connect_tcp(url); !e.empty()) return e;
    ssl_ = SSL_new(ctx_);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return openssl_error("TLS session");
    // The certificate must name what the URL names: an IP address or a host name.
    unsigned char ip[16];
    bool is_ip = inet_pton(AF_INET, url.host.c_str(), ip) == 1 || inet_pton(AF_INET6, url.host.c_str(), ip) == 1;
    if (is_ip) {
      if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), url.host.c_str()) != 1) return openssl_error("TLS peer IP");
    } else {
      SSL_set_tlsext_host_name(ssl_, url.host.c_str());
      if (SSL_set1_host(ssl_, url.host.c_str()) != 1) return openssl_error("TLS peer name");
    }
    if (SSL_connect(ssl_) != 1) {
      long verify = SSL_get_verify_result(ssl_);
      broken_ = true;
      if (verify != X509_V_OK)
        return std::string("TLS handshake: server certificate rejected: ") + X509_verify_cert_error_string(verify);
      return openssl_error("TLS handshake failed");
    }
    reader_ = redisReaderCreate();
    if (reader_ == nullptr) return "out of memory";
    limit_reply_size(reader_);
    return {};
  }

  StatusOr<RedisReplyPtr> call(int argc, const char** argv, const size_t* lens) override {
    if (broken_) return unavailable_error("connection broken");
    char* cmd = nullptr;
    int len = redisFormatCommandArgv(&cmd, argc, argv, lens);
    if (len < 0) return unavailable_error("out of memory");
    int written = SSL_write(ssl_, cmd, len);
    std::free(cmd);
    if (written != len) return fail("write");
    for (;;) {
      void* reply = nullptr;
      if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
        broken_ = true;
        return unavailable_error(std::string("protocol error: ") + reader_->errstr);
      }
      if (reply != nullptr) return RedisReplyPtr(static_cast<redisReply*>(reply));
      char buf[16384];
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) return fail("read");
      redisReaderFeed(reader_, buf, static_cast<size_t>(n));
    }
  }
  bool broken() const override { return broken_; }

 private:
  Status fail(const char* op) {
    broken_ = true;
    int saved = errno;
    if (saved == EAGAIN || saved == EWOULDBLOCK) return unavailable_error(std::string(op) + " timed out");
    return unavailable_error(openssl_error(std::string("TLS ") + op + " failed"));
  }

  // Connects within timeout_ms, then leaves the socket blocking with send/receive timeouts.
  std::string connect_tcp(const config::RedisUrl& url) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::string port = std::to_string(url.port);
    if (int rc = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found); rc != 0)
      return std::string("cannot resolve ") + url.host + ": " + gai_strerror(rc);
    std::string error = "no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
      if (fd < 0) continue;
      int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        rc = ::poll(&p, 1, url.timeout_ms) == 1 ? 0 : -1;
        int so_error = 0;
        socklen_t sl = sizeof so_error;
        if (rc == 0 && (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &sl) != 0 || so_error != 0)) {
          errno = so_error;
          rc = -1;
        } else if (rc != 0) {
          errno = ETIMEDOUT;
        }
      }
      if (rc != 0) {
        error = std::strerror(errno);
        ::close(fd);
        continue;
      }
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      timeval tv = to_timeval(url.timeout_ms);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
      fd_ = fd;
      break;
    }
    freeaddrinfo(found);
    return fd_ >= 0 ? std::string() : error;
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  redisReader* reader_ = nullptr;
  bool broken_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<RedisLink>> RedisLink::open(const config::RedisUrl& url) {
  if (url.tls) {
    auto link = std::make_unique<TlsLink>();
    if (std::string error = link->open(url); !error.empty()) return unavailable_error(std::move(error));
    return std::unique_ptr<RedisLink>(std::move(link));
  }
  redisContext* ctx = redisConnectWithTimeout(url.host.c_str(), url.port, to_timeval(url.timeout_ms));
  if (ctx == nullptr) return unavailable_error("out of memory");
  if (ctx->err) {
    std::string error = ctx->errstr;
    redisFree(ctx);
    return unavailable_error(std::move(error));
  }
  limit_reply_size(ctx->reader);
  redisSetTimeout(ctx, to_timeval(url.timeout_ms));
  redisEnableKeepAlive(ctx);
  return std::unique_ptr<RedisLink>(std::make_unique<PlainLink>(ctx));
}

}  // namespace imsguard::store
