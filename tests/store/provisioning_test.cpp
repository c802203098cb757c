// Provisioning rules: HA1 instead of passwords, key decoding, CSV errors with line numbers,
// all-or-nothing import.
#include "store/provisioning.h"

#include <gtest/gtest.h>


#include "crypto/hash.h"
#include "store/memory_subscriber_store.h"

namespace imsguard::store {
namespace {

ProvisioningOptions options() {
  ProvisioningOptions o;
  o.realm = "example.test";
  return o;
}

constexpr const char* kK = "465b5ce8b199b49faa5f0a2ee238a6bc";
constexpr const char* kOpc = "cd63cb71954a9f4e48a5994e37a02baf";

TEST(ProvisioningTest, DigestStoresHa1ForEveryAlgorithmAndNoPassword) {
  SubscriberSpec spec;
  spec.impi = "alice@example.test";
  spec.impus = {"sip:alice@example.test"};
  spec.password = "correct horse";
  auto s = build_subscriber(spec, options());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->scheme, AuthScheme::kDigest);
  EXPECT_EQ(s->realm, "example.test");
  EXPECT_EQ(s->ha1_md5,
            crypto::digest_ha1(crypto::HashAlgorithm::kMd5, "alice@example.test", "example.test", "correct horse"));
  EXPECT_EQ(s->ha1_sha256, crypto::digest_ha1(crypto::HashAlgorithm::kSha256, "alice@example.test",
                                              "example.test", "correct horse"));
  EXPECT_EQ(s->ha1_sha512_256, crypto::digest_ha1(crypto::HashAlgorithm::kSha512_256, "alice@example.test",
                                                  "example.test", "correct horse"));
  EXPECT_EQ(s->ha1_md5.size(), 32u);
  EXPECT_EQ(s->ha1_sha512_256.size(), 64u);
}

TEST(ProvisioningTest, AkaDecodesKeysAmfAndHexSqn) {
  SubscriberSpec spec;
  spec.impi = "bob@example.test";
  spec.impus = {"sip:bob@example.test"};
  spec.k = kK;
  spec.opc = kOpc;
  spec.amf = "B9B9";
  spec.sqn = "0xff9bb4d0b607";
  auto s = build_subscriber(spec, options());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->scheme, AuthScheme::kAka);
  EXPECT_EQ(s->k[0], 0x46);
  EXPECT_EQ(s->k[15], 0xbc);
  EXPECT_EQ(s->opc[0], 0xcd);
  EXPECT_EQ(s->amf[0], 0xb9);
  EXPECT_EQ(s->sqn, 0xff9bb4d0b607u);
  EXPECT_TRUE(s->ha1_md5.empty());
}

TEST(ProvisioningTest, OpUsesInjectedMilenageOrIsRefused) {
  SubscriberSpec spec;
  spec.impi = "bob@example.test";
  spec.impus = {"sip:bob@example.test"};
  spec.k = kK;
  spec.op = "cdc202d5123e20f62b6d676ac72cb318";
  auto refused = build_subscriber(spec, options());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("OPc"), std::string::npos) << refused.message();

  ProvisioningOptions with_op = options();
  with_op.opc_from_op = [](const std::array<uint8_t, 16>& k, const std::array<uint8_t, 16>& op) {
    std::array<uint8_t, 16> out{};
    for (std::size_t i = 0; i < 16; ++i) out[i] = static_cast<uint8_t>(k[i] ^ op[i]);
    return std::optional<std::array<uint8_t, 16>>(out);
  };
  auto s = build_subscriber(spec, with_op);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->opc[0], 0x46 ^ 0xcd);
}

TEST(ProvisioningTest, BadFieldsGiveReasons) {
  struct Case {
    SubscriberSpec spec;
    std::string expect;
  };
  SubscriberSpec base;
  base.impi = "bob@example.test";
  base.impus = {"sip:bob@example.test"};
  base.k = kK;
  base.opc = kOpc;
  std::vector<Case> cases;
  cases.push_back({base, ""});
  cases.back().spec.k = "1234";
  cases.back().expect = "K must be 32 hex digits";
  cases.push_back({base, "OPc must be 32 hex digits"});
  cases.back().spec.opc = std::string(32, 'g');
  cases.push_back({base, "AMF must be 4 hex digits"});
  cases.back().spec.amf = "800";
  cases.push_back({base, "SQN must be 1 to 12 hex digits"});
  cases.back().spec.sqn = "1000000000000";
  cases.push_back({base, "not both"});
  cases.back().spec.password = "pw";
  cases.push_back({base, "needs OPc or OP"});
  cases.back().spec.opc.clear();
  cases.push_back({base, "not a sip:"});
  cases.back().spec.impus = {"bob@example.test"};
  cases.push_back({base, "no IMPU"});
  cases.back().spec.impus.clear();
  for (const auto& c : cases) {
    auto r = build_subscriber(c.spec, options());
    ASSERT_FALSE(r.ok()) << c.expect;
    EXPECT_EQ(r.code(), StoreErrc::kInvalid);
    EXPECT_NE(r.message().find(c.expect), std::string::npos) << "got: " << r.message();
  }
}

TEST(ProvisioningTest, CsvMixedFileParses) {
  std::string csv =
      "\xEF\xBB\xBFIMPI, impu ,password,k,opc,amf,sqn,services\r\n"
      "alice@example.test,sip:alice@example.test tel:+15550001,\"pa,ss \"\"w\"\"\",,,,,voice;messaging\r\n"
      "\n"
      "bob@example.test,sip:bob@example.test,," + std::string(kK) + "," + kOpc + ",8000,20,\r\n";
  auto parsed = parse_subscriber_csv(csv, options());
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0].line << ": " << parsed.errors[0].reason;
  ASSERT_EQ(parsed.subscribers.size(), 2u);
  EXPECT_EQ(parsed.lines, (std::vector<std::size_t>{2, 4}));
  const Subscriber& alice = parsed.subscribers[0];
  EXPECT_EQ(alice.impus, (std::vector<std::string>{"sip:alice@example.test", "tel:+15550001"}));
  EXPECT_EQ(alice.services, (std::vector<std::string>{"voice", "messaging"}));
  EXPECT_EQ(alice.ha1_md5,
            crypto::digest_ha1(crypto::HashAlgorithm::kMd5, alice.impi, "example.test", "pa,ss \"w\""));
  const Subscriber& bob = parsed.subscribers[1];
  EXPECT_EQ(bob.scheme, AuthScheme::kAka);
  EXPECT_EQ(bob.sqn, 0x20u);
  EXPECT_EQ(bob.amf[0], 0x80);
  EXPECT_TRUE(bob.services.empty());
}

TEST(ProvisioningTest, CsvReportsEveryBadLineWithItsNumber) {
  std::string csv =
      "impi,impu,password\n"                      // 1
      "alice@x,sip:alice@x,pw\n"                  // 2 ok
      "bob@x,sip:bob@x\n"                         // 3 too few fields
      ",sip:nobody@x,pw\n"                        // 4 empty IMPI
      "carol@x,sip:carol@x,\n"                    // 5 no password
      "alice@x,sip:alice2@x,pw\n"                 // 6 duplicate IMPI (line 2)
      "dave@x,sip:alice@x,pw\n"                   // 7 duplicate IMPU (line 2)
      "erin@x,\"sip:erin@x,pw\n"                  // 8 unterminated quote
      "frank@x,frank@x,pw\n"                      // 9 not a URI
      "grace@x,sip:grace@x,pw\n";                 // 10 ok
  auto parsed = parse_subscriber_csv(csv, options());
  ASSERT_EQ(parsed.subscribers.size(), 2u);
  std::vector<std::size_t> lines;
  for (const auto& e : parsed.errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<std::size_t>{3, 4, 5, 6, 7, 8, 9}));
  EXPECT_NE(parsed.errors[0].reason.find("2 fields"), std::string::npos) << parsed.errors[0].reason;
  EXPECT_NE(parsed.errors[3].reason.find("line 2"), std::string::npos) << parsed.errors[3].reason;
  EXPECT_NE(parsed.errors[4].reason.find("line 2"), std::string::npos) << parsed.errors[4].reason;
  EXPECT_NE(parsed.errors[5].reason.find("quote"), std::string::npos) << parsed.errors[5].reason;
}

TEST(ProvisioningTest, CsvBadHeaderStopsAtLineOne) {
  for (const char* csv : {"impi,impu,pasword\na,sip:a@x,pw\n", "impi,password\na,pw\n",
                          "impi,impu,k,amf\na,sip:a@x,00,0000\n", "impi,impi,impu,password\n", ""}) {
    auto parsed = parse_subscriber_csv(csv, options());
    ASSERT_EQ(parsed.errors.size(), 1u) << csv;
    EXPECT_EQ(parsed.errors[0].line, 1u) << csv;
    EXPECT_TRUE(parsed.subscribers.empty());
  }
}

TEST(ProvisioningTest, ImportWithErrorsImportsNothingUnlessSkipBad) {
  MemorySubscriberStore store;
  SubscriberSpec existing;
  existing.impi = "zed@x";
  existing.impus = {"sip:taken@x"};
  existing.password = "pw";
  ASSERT_TRUE(store.add(build_subscriber(existing, options()).value()).ok());

  std::string csv =
      "impi,impu,password\n"
      "alice@x,sip:alice@x,pw\n"
      "bob@x,sip:taken@x,pw\n"   // 3: IMPU in the store
      "zed@x,sip:zed2@x,pw\n"    // 4: IMPI in the store
      "carol@x,sip:carol@x,\n";  // 5: no password
  auto strict = import_subscriber_csv(csv, options(), false, store);
  ASSERT_TRUE(strict.ok()) << strict.message();
  EXPECT_EQ(strict->imported, 0u);
  ASSERT_EQ(strict->errors.size(), 3u);
  EXPECT_EQ(strict->errors[0].line, 3u);
  EXPECT_NE(strict->errors[0].reason.find("zed@x"), std::string::npos) << strict->errors[0].reason;
  EXPECT_EQ(strict->errors[1].line, 4u);
  EXPECT_EQ(strict->errors[2].line, 5u);
  EXPECT_EQ(store.count().value(), 1u);

  auto lenient = import_subscriber_csv(csv, options(), true, store);
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ(lenient->imported, 1u);
  EXPECT_EQ(lenient->errors.size(), 3u);
  EXPECT_EQ(store.count().value(), 2u);
  EXPECT_TRUE(store.find("alice@x").value().has_value());
}

TEST(ProvisioningTest, TenThousandLinesParse) {
  std::string csv = "impi,impu,password,services\n";
  for (int i = 0; i < 10000; ++i) {
    std::string n = "user" + std::to_string(i);
    csv += n + "@x,sip:" + n + "@x,pw" + std::to_string(i) + ",voice\n";
  }
  MemorySubscriberStore store;
  auto report = import_subscriber_csv(csv, options(), false, store);
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_TRUE(report->errors.empty());
  EXPECT_EQ(report->imported, 10000u);
  EXPECT_EQ(store.count().value(), 10000u);
  EXPECT_EQ(store.find_by_impu("sip:user9999@x").value()->impi, "user9999@x");
}

TEST(ProvisioningTest, SqnHexParsing) {
  EXPECT_EQ(parse_sqn_hex("0"), 0u);
  EXPECT_EQ(parse_sqn_hex("0x20"), 0x20u);
  EXPECT_EQ(parse_sqn_hex("FFFFFFFFFFFF"), kMaxSqn);
  EXPECT_FALSE(parse_sqn_hex("").has_value());
  EXPECT_FALSE(parse_sqn_hex("0x").has_value());
  EXPECT_FALSE(parse_sqn_hex("1000000000000").has_value());
  EXPECT_FALSE(parse_sqn_hex("12z").has_value());
  EXPECT_FALSE(parse_sqn_hex("-1").has_value());
}

}  // namespace
}  // namespace imsguard::store
