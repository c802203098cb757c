#include "service/catalog.h"

#include <gtest/gtest.h>

namespace imsguard::service {
namespace {

config::ServiceBox box(std::vector<config::Service> services) {
  config::ServiceBox b;
  b.services = std::move(services);
  return b;
}

TEST(ServiceCatalog, FindsServicesAndTheirIdentity) {
  ServiceCatalog cat(box({{"media", "INVITE"}, {"messaging", "MESSAGE"}, {"content", "GET"}}), "ims.local");
  ASSERT_TRUE(cat.find("content") && cat.find("content")->is_content());
  EXPECT_EQ(cat.find("content")->sip_method(), "MESSAGE");
  ASSERT_NE(cat.find("media"), nullptr);
  EXPECT_EQ(cat.find("media")->identity, "sip:media@services.ims.local");
  EXPECT_EQ(cat.find("nope"), nullptr);
  EXPECT_TRUE(cat.validate().ok()) << cat.validate().message();
}

TEST(ServiceCatalog, UnknownServiceInProfileIsNamed) {
  ServiceCatalog cat(box({{"media", "INVITE"}}), "ims.local");
  EXPECT_TRUE(cat.unknown_services({"media"}).ok());
  Status unknown = cat.unknown_services({"media", "gaming"});
  EXPECT_EQ(unknown.code(), Code::kInvalid);
  const std::string& err = unknown.message();
  EXPECT_NE(err.find("'gaming'"), std::string::npos);
  EXPECT_EQ(err.find("'media'"), std::string::npos);
}

TEST(ServiceCatalog, BadConfigIsExplained) {
  EXPECT_EQ(ServiceCatalog(box({{"media", "BYE"}}), "d").validate().code(), Code::kInvalid);
  EXPECT_NE(ServiceCatalog(box({{"media", "INVITE"}, {"media", "MESSAGE"}}), "d").validate().message().find("twice"),
            std::string::npos);
  EXPECT_NE(ServiceCatalog(box({{"media", "BYE"}}), "d").validate().message().find("BYE"), std::string::npos);
  EXPECT_NE(ServiceCatalog(box({{"a b", "INVITE"}}), "d").validate().message().find("'a b'"), std::string::npos);
}

TEST(ServiceCatalog, ByDefaultAServiceMayAssertOnlyItsOwnUriAndTheDefaultHeaders) {
  ServiceCatalog cat(box({{"messaging", "MESSAGE"}}), "ims.local");
  const ServiceEntry& e = *cat.find("messaging");
  EXPECT_TRUE(e.may_assert_identity("sip:messaging@services.ims.local"));
  EXPECT_FALSE(e.may_assert_identity("sip:media@services.ims.local"));
  EXPECT_FALSE(e.may_assert_identity("sip:alice@ims.local"));
  EXPECT_TRUE(e.may_set_header("Content-Type"));
  EXPECT_TRUE(e.may_set_header("c"));  // compact form of Content-Type
  EXPECT_TRUE(e.may_set_header("via"));
  EXPECT_FALSE(e.may_set_header("P-Charging-Vector"));
  EXPECT_FALSE(e.may_set_header("P-Asserted-Identity"));
}

TEST(ServiceCatalog, ConfiguredIdentitiesAndHeadersReplaceTheDefaults) {
  config::Service svc{"conference", "MESSAGE"};
  svc.may_assert = std::vector<std::string>{"sip:conf-*@services.ims.local", "tel:+4930123"};
  svc.allowed_headers = std::vector<std::string>{"Subject"};
  ServiceCatalog cat(box({svc}), "ims.local");
  ASSERT_TRUE(cat.validate().ok()) << cat.validate().message();
  const ServiceEntry& e = *cat.find("conference");
  EXPECT_TRUE(e.may_assert_identity("sip:conf-42@services.ims.local"));
  EXPECT_TRUE(e.may_assert_identity("tel:+4930123"));
  EXPECT_FALSE(e.may_assert_identity("sip:conference@services.ims.local"));  // not listed any more
  // '*' never crosses '@', ':' or ';': no other host, no parameters smuggled in.
  EXPECT_FALSE(e.may_assert_identity("sip:conf-x@evil.example@services.ims.local"));
  EXPECT_FALSE(e.may_assert_identity("sip:conf-a;x=1@services.ims.local"));
  EXPECT_FALSE(e.may_assert_identity("sip:conf-1@services.ims.local.evil"));
  EXPECT_FALSE(e.may_assert_identity("SIP:conf-1@services.ims.local"));
  EXPECT_TRUE(e.may_set_header("Subject"));
  EXPECT_TRUE(e.may_set_header("s"));  // compact Subject
  EXPECT_FALSE(e.may_set_header("Content-Type"));  // the list replaces the default
  EXPECT_TRUE(e.may_set_header("Content-Length"));  // framing is always kept
}

TEST(ServiceCatalog, BadAssertionConfigIsExplained) {
  config::Service a{"m", "MESSAGE"};
  a.may_assert = std::vector<std::string>{"http://x"};
  EXPECT_NE(ServiceCatalog(box({a}), "d").validate().message().find("may_assert"), std::string::npos);
  a.may_assert = std::vector<std::string>{"<sip:x@y>"};
  EXPECT_NE(ServiceCatalog(box({a}), "d").validate().message().find("may_assert"), std::string::npos);
  config::Service b{"m", "MESSAGE"};
  b.allowed_headers = std::vector<std::string>{"P-Asserted-Identity"};
  EXPECT_NE(ServiceCatalog(box({b}), "d").validate().message().find("may_assert"), std::string::npos);
  b.allowed_headers = std::vector<std::string>{"Bad Header"};
  EXPECT_NE(ServiceCatalog(box({b}), "d").validate().message().find("not a header name"), std::string::npos);
  b.allowed_headers = std::vector<std::string>{"Route"};
  EXPECT_NE(ServiceCatalog(box({b}), "d").validate().message().find("core only"), std::string::npos);
}

TEST(ServiceCatalog, ConfigKeysAreReadFromYaml) {
  auto r = config::load_string(
      "roles: [servicebox]\nservicebox:\n  services:\n"
      "    - { name: messaging, method: MESSAGE, may_assert: [\"sip:*@services.ims.local\"], allowed_headers: [] }\n"
      "    - { name: content, method: GET }\n",
      "test");
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  const auto& services = r.config->servicebox.services;
  ASSERT_EQ(services.size(), 2u);
  ASSERT_TRUE(services[0].may_assert.has_value());
  EXPECT_EQ(*services[0].may_assert, std::vector<std::string>{"sip:*@services.ims.local"});
  ASSERT_TRUE(services[0].allowed_headers.has_value());
  EXPECT_TRUE(services[0].allowed_headers->empty());
  EXPECT_FALSE(services[1].may_assert.has_value());
  auto bad = config::load_string("roles: [servicebox]\nservicebox:\n  services:\n    - { name: m, method: GET, may_assert: x }\n", "t");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.errors[0].path, "servicebox.services[0].may_assert");
}

}  // namespace
}  // namespace imsguard::service
