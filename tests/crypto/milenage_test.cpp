#include "crypto/milenage.h"

#include <gtest/gtest.h>

#include "crypto/hex.h"
#include "testdata.h"

namespace imsguard::crypto {
namespace {

using testing::jarr;

TEST(Milenage, TestDataLoads) {
  auto sets = testing::milenage_sets();
  ASSERT_TRUE(sets.is_array());
  EXPECT_EQ(sets.size(), 4u);
}

// Every field of every set of TS 35.208 sets 1-4, through both OP and OPc construction.
TEST(Milenage, KnownAnswersSets1To4) {
  auto sets = testing::milenage_sets();
  ASSERT_TRUE(sets.is_array());
  for (const auto& s : sets) {
    SCOPED_TRACE("set " + std::to_string(s["set"].get<int>()));
    const auto k = jarr<16>(s["k"]);
    const auto op = jarr<16>(s["op"]);
    const auto rand = jarr<16>(s["rand"]);
    const auto sqn = jarr<6>(s["sqn"]);
    const auto amf = jarr<2>(s["amf"]);

    auto opc = Milenage::compute_opc(k, op);
    ASSERT_TRUE(opc);
    EXPECT_EQ(to_hex(*opc), s["opc"].get<std::string>());

    auto from_op = Milenage::from_op(k, op);
    auto from_opc = Milenage::from_opc(k, jarr<16>(s["opc"]));
    ASSERT_TRUE(from_op);
    ASSERT_TRUE(from_opc);
    for (const Milenage* m : {&*from_op, &*from_opc}) {
      EXPECT_EQ(to_hex(m->opc()), s["opc"].get<std::string>());
      auto f1 = m->f1(rand, sqn, amf);
      auto f1s = m->f1star(rand, sqn, amf);
      auto f = m->f2345(rand);
      auto f5s = m->f5star(rand);
      ASSERT_TRUE(f1 && f1s && f && f5s);
      EXPECT_EQ(to_hex(*f1), s["f1"].get<std::string>());
      EXPECT_EQ(to_hex(*f1s), s["f1star"].get<std::string>());
      EXPECT_EQ(to_hex(f->res), s["f2"].get<std::string>());
      EXPECT_EQ(to_hex(f->ck), s["f3"].get<std::string>());
      EXPECT_EQ(to_hex(f->ik), s["f4"].get<std::string>());
      EXPECT_EQ(to_hex(f->ak), s["f5"].get<std::string>());
      EXPECT_EQ(to_hex(*f5s), s["f5star"].get<std::string>());
    }
  }
}

TEST(Milenage, MovedInstanceStillComputes) {
  auto sets = testing::milenage_sets();
  ASSERT_TRUE(sets.is_array() && !sets.empty());
  const auto& s = sets[0];
  auto m = Milenage::from_op(jarr<16>(s["k"]), jarr<16>(s["op"]));
  ASSERT_TRUE(m);
  Milenage moved = std::move(*m);
  auto f = moved.f2345(jarr<16>(s["rand"]));
  ASSERT_TRUE(f);
  EXPECT_EQ(to_hex(f->res), s["f2"].get<std::string>());
}

}  // namespace
}  // namespace imsguard::crypto
