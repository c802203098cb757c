#include "net/pki.h"
#include "net/tls_context.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;
using namespace imsguard::net;

namespace {

std::string temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "imsguard-pki-XXXXXX").string();
  return ::mkdtemp(tmpl.data());
}

mode_t mode_of(const std::string& p) {
  struct stat st{};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

}  // namespace

TEST(Pki, InitIssueAndLoadIntoHardenedContexts) {
  std::string dir = temp_dir();
  ASSERT_TRUE(pki_init(dir).ok());
  EXPECT_EQ(mode_of(dir + "/ca.key"), 0600u);
  ASSERT_TRUE(pki_issue(dir, "edge", {"127.0.0.1", "localhost"}, false).ok());
  ASSERT_TRUE(pki_issue(dir, "alice", {}, true).ok());
  EXPECT_EQ(mode_of(dir + "/edge.key"), 0600u);

  auto server = make_tls_context({dir + "/ca.crt", dir + "/edge.crt", dir + "/edge.key"}, TlsRole::kServer, true);
  EXPECT_TRUE(server.ok()) << server.message();
  auto client = make_tls_context({dir + "/ca.crt", dir + "/alice.crt", dir + "/alice.key"}, TlsRole::kClient, false);
  EXPECT_TRUE(client.ok()) << client.message();
  fs::remove_all(dir);
}

TEST(Pki, InitKeepsAnExistingCa) {
  std::string dir = temp_dir();
  ASSERT_TRUE(pki_init(dir).ok());
  auto before = fs::last_write_time(dir + "/ca.crt");
  ASSERT_TRUE(pki_init(dir).ok());
  EXPECT_EQ(before, fs::last_write_time(dir + "/ca.crt"));
  fs::remove_all(dir);
}

TEST(Pki, IssueWithoutCaIsAClearError) {
  std::string dir = temp_dir();
  auto r = pki_issue(dir, "edge", {}, false);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.code(), imsguard::Code::kNotFound);
  EXPECT_NE(r.message().find("pki init"), std::string::npos);
  EXPECT_EQ(pki_issue(dir, "../evil", {}, false).code(), imsguard::Code::kInvalid);
  fs::remove_all(dir);
}

TEST(TlsContext, MismatchedKeyAndMissingFilesAreRefused) {
  std::string dir = temp_dir();
  ASSERT_TRUE(pki_init(dir).ok());
  ASSERT_TRUE(pki_issue(dir, "a", {}, false).ok());
  ASSERT_TRUE(pki_issue(dir, "b", {}, false).ok());
  auto mismatched = make_tls_context({dir + "/ca.crt", dir + "/a.crt", dir + "/b.key"}, TlsRole::kServer, false);
  EXPECT_EQ(mismatched.code(), imsguard::Code::kInvalid);
  EXPECT_NE(mismatched.message().find("does not match"), std::string::npos);
  auto missing = make_tls_context({"", dir + "/nope.crt", dir + "/nope.key"}, TlsRole::kServer, false);
  EXPECT_EQ(missing.code(), imsguard::Code::kInvalid);
  auto no_ca = make_tls_context({"", dir + "/a.crt", dir + "/a.key"}, TlsRole::kServer, true);
  EXPECT_EQ(no_ca.code(), imsguard::Code::kInvalid);
  EXPECT_NE(no_ca.message().find("mutual TLS"), std::string::npos);
  fs::remove_all(dir);
}
