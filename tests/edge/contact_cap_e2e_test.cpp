// Issue 17 F3 attacked through a real `imsguard run`: one subscriber, authenticated as
// itself, registers Contact after Contact for its own AoR (the attack stored 101k bindings
// and made every registration of everybody else fail). The per-AoR cap
// (registrar.max_contacts_per_aor) holds on every binding store backend (SQLite behind the
// write-behind cache, memory, Redis): the AoR never holds more than the cap, the refusal is a
// 403 with a Warning, counted once per episode in the events, and another subscriber still
// registers. Flipping the key moves the limit.
#include "raw_digest_phone.h"
#include "imsguard_process.h"
#include "process.h"
#include "sip_socket.h"

#include "../store/redis_server.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

size_t occurrences(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// How many Contacts a 200 OK to REGISTER lists (each "<uri>;expires=N").
size_t listed_contacts(const std::string& ok) { return occurrences(ok, ">;expires="); }

std::vector<std::string> contacts(const std::string& user, int first, int count) {
  std::vector<std::string> out;
  for (int i = first; i < first + count; ++i)
    out.push_back("sip:" + user + "@10.66." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":5060");
  return out;
}

class ContactCapE2e : public ::testing::TestWithParam<std::string> {
 protected:
  void start_edge(const std::string& registrar_yaml = "") {
    // The demo subscribers (run --demo seeds them in every backend): alice (Digest) is the
    // attacker, bob (AKA, registered with imsguard's own client) the other subscriber.
    ImsguardOptions o;
    o.tls = false;
    o.digest_algorithms = "[MD5]";
    if (GetParam() == "redis") {
      redis_ = std::make_unique<imsguard::store::testing::RedisServer>();
      ASSERT_TRUE(redis_->start()) << read_file(redis_->log_path());
      o.state = redis_->url();
    } else {
      o.state = GetParam();
    }
    // One attacker registers from one address at a rate no phone needs: the per-source rate
    // limit would stop it early; it is lifted here so the cap alone is what holds.
    o.extra_yaml = registrar_yaml + "guards: { ratelimit: { enabled: false } }\n";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }

  // Bob registers one Contact with imsguard's client (AKA): 0 when it got its 200.
  int register_bob() {
    ChildProcess bob;
    std::string log = edge_.data_dir() + "/bob-" + std::to_string(++bobs_) + ".log";
    if (!bob.start({IMSGUARD_BIN, "client", "register", "--server", "127.0.0.1:" + std::to_string(edge_.sip_port()),
                    "--impi", edge_.demo("aka", "impi"), "--impu", edge_.demo("aka", "impu"), "--k",
                    edge_.demo("aka", "k"), "--opc", edge_.demo("aka", "opc")},
                   log))
      return -1;
    int rc = bob.wait(60s);
    bob_log_ = read_file(log);
    return rc;
  }
  RawDigestPhone attacker() { return RawDigestPhone("alice", edge_.demo("digest", "password"), edge_.sip_port()); }

  std::unique_ptr<imsguard::store::testing::RedisServer> redis_;
  ImsguardProcess edge_;
  std::string bob_log_;
  int bobs_ = 0;
};

TEST_P(ContactCapE2e, OneSubscriberCannotBindMoreContactsThanTheCapAndOthersStillRegister) {
  ASSERT_NO_FATAL_FAILURE(start_edge());
  RawDigestPhone mallory = attacker();
  // Up to the cap (10 by default) in one REGISTER: accepted, all listed.
  auto first = mallory.register_contacts(contacts("alice", 0, 10));
  ASSERT_TRUE(first) << edge_.log();
  ASSERT_EQ(status_of(*first), 200) << *first;
  EXPECT_EQ(listed_contacts(*first), 10u) << *first;
  auto began = std::chrono::steady_clock::now();
  // The attack: 100 more REGISTERs of 20 new Contacts each (2,000 Contacts), authenticated.
  int refused = 0, accepted = 0;
  for (int round = 0; round < 100; ++round) {
    auto r = mallory.register_contacts(contacts("alice", 10 + round * 20, 20));
    ASSERT_TRUE(r) << "no answer in round " << round << "\n" << edge_.log();
    if (status_of(*r) == 403) {
      ++refused;
      if (round == 0) {
        EXPECT_NE(r->find("Forbidden (too many contacts for this address of record)"), std::string::npos) << *r;
        EXPECT_NE(header_of(*r, "Warning").find("at most 10 contacts per address of record"), std::string::npos) << *r;
      }
    } else {
      ++accepted;
    }
  }
  EXPECT_EQ(refused, 100);
  EXPECT_EQ(accepted, 0);
  // One Contact at a time does not slip through either.
  auto single = mallory.register_contacts(contacts("alice", 5000, 1));
  ASSERT_TRUE(single);
  EXPECT_EQ(status_of(*single), 403) << *single;
  // What the AoR holds: a fetch (REGISTER without Contact) lists exactly the first ten.
  auto fetch = mallory.register_contacts({});
  ASSERT_TRUE(fetch);
  ASSERT_EQ(status_of(*fetch), 200) << *fetch;
  EXPECT_EQ(listed_contacts(*fetch), 10u) << *fetch;
  EXPECT_EQ(fetch->find("10.66.0.10:"), std::string::npos) << "a Contact past the cap was stored:\n" << *fetch;
  // A refresh of a bound Contact and a swap (one removed, one added) still pass at the cap.
  auto refresh = mallory.register_contacts(contacts("alice", 0, 1));
  ASSERT_TRUE(refresh);
  EXPECT_EQ(status_of(*refresh), 200) << *refresh;
  auto gone = mallory.register_contacts(contacts("alice", 9, 1), 0);
  ASSERT_TRUE(gone);
  EXPECT_EQ(status_of(*gone), 200) << *gone;
  auto swapped = mallory.register_contacts(contacts("alice", 7000, 1));
  ASSERT_TRUE(swapped);
  EXPECT_EQ(status_of(*swapped), 200) << *swapped;
  EXPECT_EQ(listed_contacts(*swapped), 10u) << *swapped;

  // Another subscriber registers.
  EXPECT_EQ(register_bob(), 0) << bob_log_ << edge_.log();

  // 102 refusals, a bounded number of events: per 10 s episode window of the AoR one line
  // when it opens and one summary with the count when it closes (ops/episodes.h).
  auto elapsed_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - began).count();
  ASSERT_TRUE(eventually([&] { return edge_.events().find("too many contacts for sip:alice@ims.local") != std::string::npos; }, 5s))
      << edge_.events();
  size_t lines = occurrences(edge_.events(), "too many contacts for sip:alice@ims.local");
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 2u * static_cast<size_t>(elapsed_s / 10 + 1)) << "in " << elapsed_s << " s:\n" << edge_.events();
}

TEST_P(ContactCapE2e, TheKeyMovesTheLimit) {
  ASSERT_NO_FATAL_FAILURE(start_edge("registrar: { max_contacts_per_aor: 3 }\n"));
  RawDigestPhone mallory = attacker();
  auto three = mallory.register_contacts(contacts("alice", 0, 3));
  ASSERT_TRUE(three) << edge_.log();
  EXPECT_EQ(status_of(*three), 200) << *three;
  auto fourth = mallory.register_contacts(contacts("alice", 3, 1));
  ASSERT_TRUE(fourth);
  EXPECT_EQ(status_of(*fourth), 403) << *fourth;
  EXPECT_NE(header_of(*fourth, "Warning").find("at most 3 contacts"), std::string::npos) << *fourth;
  // Four new Contacts in one REGISTER are refused as a whole: after clearing the AoR
  // (Contact: *), nothing of them is stored.
  auto cleared = mallory.register_contacts({"*"}, 0);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(status_of(*cleared), 200) << *cleared;
  auto four = mallory.register_contacts(contacts("alice", 10, 4));
  ASSERT_TRUE(four);
  EXPECT_EQ(status_of(*four), 403) << *four;
  auto fetch = mallory.register_contacts({});
  ASSERT_TRUE(fetch);
  EXPECT_EQ(status_of(*fetch), 200) << *fetch;
  EXPECT_EQ(listed_contacts(*fetch), 0u) << *fetch;
}

INSTANTIATE_TEST_SUITE_P(Backends, ContactCapE2e, ::testing::Values("sqlite", "memory", "redis"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
