#include "initiator_tools/initiator/credits.h"

#include <gtest/gtest.h>

namespace srp::initiator {
namespace {

TEST(Credits, KeepsOneForTaskManagement) {
  CreditCounter c(3);
  EXPECT_TRUE(c.TryTakeForCommand());   // 3 -> 2
  EXPECT_TRUE(c.TryTakeForCommand());   // 2 -> 1
  EXPECT_FALSE(c.TryTakeForCommand());  // the last one is for TMFs
  EXPECT_EQ(c.available(), 1);
  EXPECT_EQ(c.zero_req_lim(), 1u);
  EXPECT_TRUE(c.TryTakeForTaskManagement());  // 1 -> 0
  EXPECT_FALSE(c.TryTakeForTaskManagement());
  EXPECT_FALSE(c.TryTakeForCommand());
}

TEST(Credits, DeltaIsSigned) {
  CreditCounter c(1);
  c.AddDelta(5);
  EXPECT_EQ(c.available(), 6);
  c.AddDelta(static_cast<uint32_t>(-2));
  EXPECT_EQ(c.available(), 4);
  c.AddDelta(0);
  EXPECT_EQ(c.available(), 4);
  c.AddDelta(static_cast<uint32_t>(-10));
  EXPECT_EQ(c.available(), -6);
  EXPECT_FALSE(c.TryTakeForTaskManagement());
}

TEST(Credits, SingleCreditOnlyServesTaskManagement) {
  CreditCounter c(1);
  EXPECT_FALSE(c.TryTakeForCommand());
  EXPECT_TRUE(c.TryTakeForTaskManagement());
}

}  // namespace
}  // namespace srp::initiator
