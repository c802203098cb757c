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
  EXPECT_EQ(cat.validate(), "");
}

TEST(ServiceCatalog, UnknownServiceInProfileIsNamed) {
  ServiceCatalog cat(box({{"media", "INVITE"}}), "ims.local");
  EXPECT_EQ(cat.unknown_services({"media"}), "");
  std::string err = cat.unknown_services({"media", "gaming"});
  EXPECT_NE(err.find("'gaming'"), std::string::npos);
  EXPECT_EQ(err.find("'media'"), std::string::npos);
}

TEST(ServiceCatalog, BadConfigIsExplained) {
  EXPECT_NE(ServiceCatalog(box({{"media", "INVITE"}, {"media", "MESSAGE"}}), "d").validate().find("twice"),
            std::string::npos);
  EXPECT_NE(ServiceCatalog(box({{"media", "BYE"}}), "d").validate().find("BYE"), std::string::npos);
  EXPECT_NE(ServiceCatalog(box({{"a b", "INVITE"}}), "d").validate().find("'a b'"), std::string::npos);
}

}  // namespace
}  // namespace imsguard::service
