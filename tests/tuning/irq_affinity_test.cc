#include <gtest/gtest.h>

#include "tests/tuning/test_util.h"
#include "tuning/irq_affinity_knob.h"
#include "tuning/irqbalance.h"

namespace srp::tuning {
namespace {

using testing::TempDir;
using testing::TestFs;

class IrqAffinityTest : public ::testing::Test {
 protected:
  TempDir dir_;
  TestFs fs_{dir_};
};

TEST_F(IrqAffinityTest, UsesListFileWhenPresent) {
  fs_.Put("/proc/irq/42/smp_affinity", "00000000,000000ff\n");
  fs_.Put("/proc/irq/42/smp_affinity_list", "0-7\n");
  IrqAffinityKnob knob(fs_, 42);
  EXPECT_EQ(knob.name(), "irq_affinity:42");
  EXPECT_EQ(*knob.Read(), "0-7");
  ASSERT_TRUE(knob.Apply("2,3").ok());
  EXPECT_EQ(fs_.Get("/proc/irq/42/smp_affinity_list"), "2-3");
  ASSERT_TRUE(knob.Restore().ok());
  EXPECT_EQ(fs_.Get("/proc/irq/42/smp_affinity_list"), "0-7");
}

TEST_F(IrqAffinityTest, MaskOnlyKeepsWidth) {
  fs_.Put("/proc/irq/42/smp_affinity", "00000000,000000ff\n");
  IrqAffinityKnob knob(fs_, 42);
  EXPECT_EQ(*knob.Read(), "0-7");
  ASSERT_TRUE(knob.Apply("0x100000000").ok());  // CPU 32, given as a mask
  EXPECT_EQ(fs_.Get("/proc/irq/42/smp_affinity"), "00000001,00000000");
  EXPECT_EQ(*knob.Read(), "32");
  ASSERT_TRUE(knob.Restore().ok());
  EXPECT_EQ(fs_.Get("/proc/irq/42/smp_affinity"), "00000000,000000ff");
}

TEST_F(IrqAffinityTest, RejectsEmptyAndBadSets) {
  fs_.Put("/proc/irq/42/smp_affinity_list", "0-7\n");
  IrqAffinityKnob knob(fs_, 42);
  EXPECT_EQ(knob.Apply("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(knob.Apply("3-1").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fs_.writes.empty());
  IrqAffinityKnob missing(fs_, 7);
  EXPECT_EQ(missing.Apply("1").code(), StatusCode::kNotFound);
}

TEST_F(IrqAffinityTest, EioMeansManagedNotSettable) {
  fs_.Put("/proc/irq/42/smp_affinity_list", "0-7\n");
  fs_.fail_errno["/proc/irq/42/smp_affinity_list"] = EIO;
  IrqAffinityKnob knob(fs_, 42);
  EXPECT_TRUE(knob.Apply("1").ok());
  EXPECT_FALSE(knob.settable());
  EXPECT_NE(knob.reason().find("kernel-managed"), std::string::npos) << knob.reason();
  EXPECT_FALSE(knob.is_applied());
  EXPECT_TRUE(knob.Restore().ok());
  EXPECT_EQ(fs_.writes.size(), 1u);  // no restore write
}

TEST_F(IrqAffinityTest, EffectiveAffinityDiffersMeansManaged) {
  fs_.Put("/proc/irq/42/smp_affinity_list", "0-7\n");
  fs_.Put("/proc/irq/42/effective_affinity_list", "5\n");
  fs_.fail_errno["/proc/irq/42/smp_affinity_list"] = EINVAL;
  IrqAffinityKnob knob(fs_, 42);
  EXPECT_TRUE(knob.Apply("1").ok());
  EXPECT_FALSE(knob.settable());
}

TEST_F(IrqAffinityTest, OtherWriteErrorsFail) {
  fs_.Put("/proc/irq/42/smp_affinity_list", "0-7\n");
  fs_.fail_errno["/proc/irq/42/smp_affinity_list"] = EINVAL;
  IrqAffinityKnob knob(fs_, 42);
  Status s = knob.Apply("1");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(knob.settable());
}

TEST_F(IrqAffinityTest, WriteToDirectoryFailsWithEisdir) {
  // Without injection: smp_affinity_list is a directory, so open(O_WRONLY) fails.
  fs_.Put("/proc/irq/42/smp_affinity_list/x", "");
  IrqAffinityKnob knob(fs_, 42);
  EXPECT_FALSE(knob.Apply("1").ok());
}

TEST_F(IrqAffinityTest, KnobsByNamePattern) {
  fs_.Put("/proc/interrupts",
          "           CPU0       CPU1\n"
          " 24:          0          0   PCI-MSI 1572864-edge      mlx5_async0@pci:0000:03:00.0\n"
          " 25:         10          0   PCI-MSI 1572865-edge      mlx5_comp0@pci:0000:03:00.0\n"
          " 26:          0         20   PCI-MSI 1572866-edge      mlx5_comp1@pci:0000:03:00.0\n"
          "LOC:        100        200   Local timer interrupts\n");
  auto knobs = MakeIrqAffinityKnobs(fs_, "mlx5_comp*");
  ASSERT_TRUE(knobs.ok()) << knobs.status().ToString();
  ASSERT_EQ(knobs->size(), 2u);
  EXPECT_EQ((*knobs)[0]->name(), "irq_affinity:25");
  EXPECT_EQ((*knobs)[1]->name(), "irq_affinity:26");
  EXPECT_EQ(MakeIrqAffinityKnobs(fs_, "nvme*").status().code(), StatusCode::kNotFound);
}

TEST(IrqbalanceTest, DetectsDaemonByComm) {
  TempDir dir;
  TestFs fs(dir);
  fs.Put("/proc/1/comm", "systemd\n");
  fs.Put("/proc/812/comm", "sshd\n");
  fs.Put("/proc/self/comm", "irqbalance\n");  // not a pid directory: ignored
  EXPECT_FALSE(IrqbalanceRunning(fs));
  fs.Put("/proc/977/comm", "irqbalance\n");
  EXPECT_TRUE(IrqbalanceRunning(fs));
  EXPECT_NE(IrqbalanceWarning().find("irqbalance"), std::string_view::npos);
}

TEST(IrqbalanceTest, NoProcMeansNotRunning) {
  TempDir dir;
  TestFs fs(dir);
  EXPECT_FALSE(IrqbalanceRunning(fs));
}

}  // namespace
}  // namespace srp::tuning
