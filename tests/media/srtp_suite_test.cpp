// The suite names live in three places for reasons of layering: the config schema's allowed
// values (config links nothing of media), the RFC 4568 registry of key lengths in the SDP
// parser (every registered suite, spoken or not), and media's table of what is implemented.
// This test keeps them one vocabulary: a name the config accepts is one media implements,
// and every implemented suite's key||salt length is the SDP registry's.
#include "media/srtp_suite.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "config/schema.h"
#include "sip/sdp.h"

namespace imsguard::media {
namespace {

TEST(SrtpSuiteTables, TheConfigAcceptsExactlyTheImplementedSuites) {
  const config::KeyDescriptor* key = config::find_key("media.crypto_suites");
  ASSERT_NE(key, nullptr);
  std::set<std::string> config_names(key->values.begin(), key->values.end());
  std::set<std::string> media_names;
  for (SrtpSuite s : all_suites()) media_names.insert(std::string(suite_info(s).sdes_name));
  EXPECT_EQ(config_names, media_names);
  for (const auto& name : config_names) EXPECT_TRUE(suite_from_sdes_name(name)) << name;
}

TEST(SrtpSuiteTables, TheSdpRegistryAgreesOnEveryImplementedKeyLength) {
  for (SrtpSuite s : all_suites()) {
    const SuiteInfo& info = suite_info(s);
    auto registry = sip::srtp_key_salt_length(info.sdes_name);
    ASSERT_TRUE(registry) << info.sdes_name;
    EXPECT_EQ(*registry, master_length(s)) << info.sdes_name;
    EXPECT_EQ(suite_from_dtls_name(info.dtls_name), s) << info.dtls_name;
  }
}

TEST(SrtpSuiteTables, MessagesListEveryImplementedSuite) {
  std::string names = sdes_names();
  for (SrtpSuite s : all_suites()) EXPECT_NE(names.find(suite_info(s).sdes_name), std::string::npos);
  EXPECT_EQ(names.find(", , "), std::string::npos);
}

}  // namespace
}  // namespace imsguard::media
