#include "tuning/interrupts.h"

#include <gtest/gtest.h>

#include "tests/tuning/test_util.h"

namespace srp::tuning {
namespace {

// Shaped like a real 4-CPU host with a ConnectX HCA (older and newer MSI chip names).
constexpr char kInterrupts[] =
    "           CPU0       CPU1       CPU2       CPU3       \n"
    "  0:         35          0          0          0   IO-APIC   2-edge      timer\n"
    "  8:          0          0          1          0   IO-APIC   8-edge      rtc0\n"
    " 16:          0         29          0          0   IO-APIC  16-fasteoi   ehci_hcd:usb1, "
    "i801_smbus\n"
    " 24:          0          0          0          0   PCI-MSI 1572864-edge      "
    "mlx5_async0@pci:0000:03:00.0\n"
    " 25:     123456          0          0          0   PCI-MSI 1572865-edge      "
    "mlx5_comp0@pci:0000:03:00.0\n"
    " 26:          0      98765          0          0   PCI-MSI 1572866-edge      "
    "mlx5_comp1@pci:0000:03:00.0\n"
    " 27:          0          0          0          7  IR-PCI-MSIX-0000:03:00.1    2-edge      "
    "mlx5_comp0@pci:0000:03:00.1\n"
    " 30:          0          0          0          0   PCI-MSI 524288-edge\n"
    "NMI:          0          0          0          0   Non-maskable interrupts\n"
    "LOC:    1111111    2222222    3333333    4444444   Local timer interrupts\n"
    "ERR:          0\n"
    "MIS:          0\n";

TEST(InterruptsTest, ParsesRealisticTable) {
  Result<InterruptTable> table = ParseInterrupts(kInterrupts);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->cpus, (std::vector<std::string>{"CPU0", "CPU1", "CPU2", "CPU3"}));
  ASSERT_EQ(table->lines.size(), 8u);
  const InterruptLine& comp0 = table->lines[4];
  EXPECT_EQ(comp0.irq, 25);
  EXPECT_EQ(comp0.counts, (std::vector<uint64_t>{123456, 0, 0, 0}));
  EXPECT_EQ(comp0.chip, "PCI-MSI");
  EXPECT_EQ(comp0.hwirq, "1572865-edge");
  EXPECT_EQ(comp0.name, "mlx5_comp0@pci:0000:03:00.0");
  EXPECT_EQ(table->lines[2].name, "ehci_hcd:usb1, i801_smbus");
  EXPECT_EQ(table->lines[6].chip, "IR-PCI-MSIX-0000:03:00.1");
  EXPECT_EQ(table->lines[6].name, "mlx5_comp0@pci:0000:03:00.1");
  EXPECT_EQ(table->lines[7].irq, 30);
  EXPECT_EQ(table->lines[7].name, "");
}

TEST(InterruptsTest, SelectsByGlob) {
  InterruptTable table = *ParseInterrupts(kInterrupts);
  EXPECT_EQ(SelectIrqs(table, "mlx5_comp*"), (std::vector<int>{25, 26, 27}));
  EXPECT_EQ(SelectIrqs(table, "mlx5_comp*@pci:0000:03:00.0"), (std::vector<int>{25, 26}));
  EXPECT_EQ(SelectIrqs(table, "mlx5_*"), (std::vector<int>{24, 25, 26, 27}));
  EXPECT_EQ(SelectIrqs(table, "timer"), std::vector<int>{0});
  EXPECT_TRUE(SelectIrqs(table, "nvme*").empty());
}

TEST(InterruptsTest, RejectsMissingHeader) {
  EXPECT_FALSE(ParseInterrupts("").ok());
  EXPECT_FALSE(ParseInterrupts("  0: 1 2 IO-APIC 2-edge timer\n").ok());
}

TEST(InterruptsTest, ReadsThroughFsRoot) {
  testing::TempDir dir;
  testing::TestFs fs(dir);
  fs.Put("/proc/interrupts", kInterrupts);
  Result<InterruptTable> table = ReadInterrupts(fs);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(SelectIrqs(*table, "mlx5_comp0*").size(), 2u);
}

}  // namespace
}  // namespace srp::tuning
