// srp-attach when targets go away (issue 15): --list shows the state, --detach finishes within
// seconds with the target gone (and releases the loop device, no process left in D state),
// dev_loss_tmo removes the LUN, a discard reaches the target as UNMAP, and a LUN served
// through two target ports keeps serving when one of them goes away. Times are measured and
// printed; bounds are generous (the machine is loaded).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "tests/attach/attach_fixture.h"

namespace srp::attach_test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Polls `pred` every 50 ms up to `timeout`.
bool WaitUntil(const std::function<bool()>& pred, milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return true;
}

// The process state letter of `pid` ('D' = uninterruptible), or 0 when it is gone.
char ProcState(pid_t pid) {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? 0 : stat[paren + 2];
}

// A child writing one block with O_DIRECT at offset 0 of `dev`; returns its pid.
pid_t StartDirectWriter(const std::string& dev) {
  const pid_t pid = fork();
  if (pid == 0) {
    int fd = open(dev.c_str(), O_WRONLY | O_DIRECT);
    void* buf = nullptr;
    if (fd < 0 || posix_memalign(&buf, 4096, 4096) != 0) _exit(2);
    std::memset(buf, 0x5a, 4096);
    _exit(pwrite(fd, buf, 4096, 0) == 4096 ? 0 : 1);
  }
  return pid;
}

class AttachFailureTest : public AttachTest {
 protected:
  // The --list entry of `dev` (null when not listed).
  nlohmann::json Entry(const std::string& dev) {
    for (const auto& e : List()) {
      if (e["device"] == dev) return e;
    }
    return nullptr;
  }
  bool StateIs(const std::string& dev, const std::string& state) {
    auto e = Entry(dev);
    return !e.is_null() && e["state"] == state;
  }
};

// Target gone for good, default timeouts (fast_io_fail_tmo 15 s, dev_loss_tmo 600 s), a
// writer blocked in the device and dirty pages in its cache: --detach still finishes in
// seconds, releases the loop device and leaves nothing in D state.
TEST_F(AttachFailureTest, DetachWithTheTargetGone) {
  const std::string dev = Attach(1, "", {"--fast-io-fail-tmo", "15", "--dev-loss-tmo", "600"});
  ASSERT_FALSE(dev.empty());
  const pid_t server = Entry(dev)["pid"].get<pid_t>();
  {
    // Dirty pages: written through the page cache, not yet flushed.
    int fd = open(dev.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    const std::string data = RandomBytes(64 * 1024, 9);
    ASSERT_EQ(pwrite(fd, data.data(), data.size(), 1 << 20), static_cast<ssize_t>(data.size()));
    close(fd);
  }
  target_.Stop();
  ASSERT_TRUE(WaitUntil([&] { return StateIs(dev, "blocked"); }, milliseconds(20000)))
      << List().dump(2);
  auto text = RunCommand({Bin(), "--list", "--run-dir", run_dir_});
  EXPECT_THAT(text.out, HasSubstr("state blocked"));
  EXPECT_THAT(text.out, HasSubstr("path blocked"));
  const pid_t writer = StartDirectWriter(dev);
  std::this_thread::sleep_for(milliseconds(300));  // let it block in the device

  const auto t0 = Clock::now();
  auto detached = Detach(dev);
  const double detach_s = Seconds(Clock::now() - t0);
  EXPECT_EQ(detached.exit_code, 0) << detached.err;
  EXPECT_LT(detach_s, 12.0);  // far below fast_io_fail_tmo + the default flush watchdog
  ExpectNotBackedByUs(dev);
  EXPECT_TRUE(Entry(dev).is_null());
  EXPECT_EQ(ReadFile("/proc/self/mounts").find(run_dir_), std::string::npos);
  // The writer got its error; neither it nor the server is left (in D state or at all).
  int status = 0;
  ASSERT_TRUE(
      WaitUntil([&] { return waitpid(writer, &status, WNOHANG) == writer; }, milliseconds(10000)));
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 0);  // the held write failed, it was not acknowledged
  EXPECT_TRUE(WaitUntil([&] { return ProcState(server) == 0 || ProcState(server) == 'Z'; },
                        milliseconds(5000)));
  std::printf("[ measured ] --detach with the target gone: %.2f s\n", detach_s);
}

// dev_loss_tmo: the LUN is removed -- the device detaches itself.
TEST_F(AttachFailureTest, DevLossTmoRemovesTheLun) {
  const std::string dev = Attach(1, "", {"--fast-io-fail-tmo", "1", "--dev-loss-tmo", "2"});
  ASSERT_FALSE(dev.empty());
  target_.Stop();
  const auto t0 = Clock::now();
  ASSERT_TRUE(WaitUntil([&] { return StateIs(dev, "fail-fast") || Entry(dev).is_null(); },
                        milliseconds(20000)))
      << List().dump(2);
  // I/O fails fast with EIO now.
  int fd = open(dev.c_str(), O_RDONLY | O_DIRECT);
  if (fd >= 0) {
    void* buf = nullptr;
    ASSERT_EQ(posix_memalign(&buf, 4096, 4096), 0);
    const auto r0 = Clock::now();
    EXPECT_LT(pread(fd, buf, 4096, 0), 0);
    EXPECT_LT(Seconds(Clock::now() - r0), 5.0);
    free(buf);
    close(fd);
  }
  ASSERT_TRUE(WaitUntil([&] { return Entry(dev).is_null(); }, milliseconds(30000)))
      << List().dump(2);
  const double removed_s = Seconds(Clock::now() - t0);
  EXPECT_GE(removed_s, 1.5);
  ExpectNotBackedByUs(dev);
  std::printf("[ measured ] dev_loss_tmo=2 s: device removed %.2f s after the target stopped\n",
              removed_s);
}

// blkdiscard on the device: fallocate(PUNCH_HOLE) on the FUSE file, UNMAP on the wire, a hole
// in the target's thin-provisioned backing file; the range reads back as zeros.
TEST_F(AttachFailureTest, DiscardReachesTheTargetAsUnmap) {
  if (ToolPath("blkdiscard").empty()) GTEST_SKIP() << "util-linux blkdiscard missing";
  target_.Stop();
  std::string backing;
  const std::string conf = FileioConfig("thin", "\t\tthin_provisioned 1\n", &backing);
  StartTarget({"--config", conf});
  const std::string dev = Attach(1);
  ASSERT_FALSE(dev.empty());
  const std::string data = RandomBytes(4 << 20, 11);
  {
    int fd = open(dev.c_str(), O_WRONLY | O_DIRECT);
    ASSERT_GE(fd, 0);
    void* buf = nullptr;
    ASSERT_EQ(posix_memalign(&buf, 4096, data.size()), 0);
    std::memcpy(buf, data.data(), data.size());
    ASSERT_EQ(pwrite(fd, buf, data.size(), 0), static_cast<ssize_t>(data.size()));
    ASSERT_EQ(fsync(fd), 0);
    free(buf);
    close(fd);
  }
  struct stat before {};
  ASSERT_EQ(stat(backing.c_str(), &before), 0);
  ASSERT_GE(before.st_blocks * 512, 4 << 20);
  auto r = RunCommand({ToolPath("blkdiscard"), "-o", "0", "-l", std::to_string(4 << 20), dev});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat after {};
  ASSERT_EQ(stat(backing.c_str(), &after), 0);
  EXPECT_LE(after.st_blocks * 512, before.st_blocks * 512 - (4 << 20) + 65536)
      << "no hole punched: " << before.st_blocks << " -> " << after.st_blocks << " blocks";
  ASSERT_TRUE(WaitUntil([&] { return Entry(dev)["unmap_commands"].get<uint64_t>() > 0; },
                        milliseconds(5000)))
      << Entry(dev).dump(2);
  EXPECT_EQ(Entry(dev)["write_same_commands"], 0);
  int fd = open(dev.c_str(), O_RDONLY | O_DIRECT);
  ASSERT_GE(fd, 0);
  void* buf = nullptr;
  ASSERT_EQ(posix_memalign(&buf, 4096, 1 << 20), 0);
  ASSERT_EQ(pread(fd, buf, 1 << 20, 1 << 20), 1 << 20);
  const std::string zeros(1 << 20, '\0');
  EXPECT_EQ(std::memcmp(buf, zeros.data(), zeros.size()), 0);
  free(buf);
  close(fd);
  EXPECT_EQ(Detach(dev).exit_code, 0);
}

// One file-backed LUN behind two target ports (two target processes, one device each: the
// same VPD 0x83 NAA id). One port goes away under verified I/O; the other carries on and no
// acknowledged write is lost.
TEST_F(AttachFailureTest, MultipathFailoverKeepsAcknowledgedWrites) {
  target_.Stop();
  std::string backing;
  const std::string conf = FileioConfig("shared", "\t\twrite_through 1\n", &backing);
  integration::TargetProcess a, b;
  ASSERT_TRUE(a.Start({"--config", conf, "--port-name", "mp-a", "--no-dm"}).ok());
  ASSERT_TRUE(b.Start({"--config", conf, "--port-name", "mp-b", "--no-dm"}).ok());
  const std::string dev =
      Attach(1, a.IbTarget(),
             {"--path-policy", "round-robin", "--fast-io-fail-tmo", "60", "--dev-loss-tmo", "120"},
             {b.IbTarget()});
  ASSERT_FALSE(dev.empty());
  auto entry = Entry(dev);
  ASSERT_EQ(entry["paths"].size(), 2u) << entry.dump(2);

  int fd = open(dev.c_str(), O_RDWR | O_DIRECT | O_DSYNC);
  ASSERT_GE(fd, 0);
  void* raw = nullptr;
  ASSERT_EQ(posix_memalign(&raw, 4096, 4096), 0);
  auto* buf = static_cast<char*>(raw);
  constexpr int kWrites = 600;
  constexpr int kKillAt = 200;
  int acknowledged = 0;
  for (int i = 0; i < kWrites; ++i) {
    if (i == kKillAt) {
      kill(a.pid(), SIGKILL);  // path A's target port goes away at once
      (void)a.WaitExit(milliseconds(5000));
    }
    std::memset(buf, 0, 4096);
    std::snprintf(buf, 4096, "block %d of the multipath test", i);
    const off_t off = static_cast<off_t>(i % 4096) * 4096;
    ASSERT_EQ(pwrite(fd, buf, 4096, off), 4096) << "write " << i << ": " << strerror(errno);
    ++acknowledged;
  }
  for (int i = 0; i < acknowledged; ++i) {
    ASSERT_EQ(pread(fd, buf, 4096, static_cast<off_t>(i % 4096) * 4096), 4096);
    EXPECT_EQ(std::string(buf), "block " + std::to_string(i) + " of the multipath test");
  }
  free(raw);
  close(fd);
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto e = Entry(dev);
        return !e.is_null() && e["state"] == "running" && e["paths"][0]["state"] == "blocked" &&
               e["paths"][1]["state"] == "running";
      },
      milliseconds(10000)))
      << Entry(dev).dump(2);
  EXPECT_GT(Entry(dev)["paths"][1]["commands"].get<uint64_t>(), 300u) << Entry(dev).dump(2);
  auto text = RunCommand({Bin(), "--list", "--run-dir", run_dir_});
  EXPECT_THAT(text.out, HasSubstr("path blocked " + a.IbTarget()));
  EXPECT_THAT(text.out, HasSubstr("path running " + b.IbTarget()));
  EXPECT_EQ(Detach(dev).exit_code, 0);
}

// Two target lines that name different logical units are refused.
TEST_F(AttachFailureTest, MultipathRefusesDifferentLogicalUnits) {
  const std::string conf = subnet_->path() + "/other.conf";
  std::ofstream(conf) << "HANDLER vdisk_memory {\n\tDEVICE othermem {\n\t\tsize 1048576\n\t}\n}\n"
                      << "TARGET_DRIVER ib_srpt {\n\tTARGET t1 {\n\t\tLUN 1 othermem\n\t}\n}\n";
  integration::TargetProcess other;
  ASSERT_TRUE(other.Start({"--config", conf, "--port-name", "other-lu", "--no-dm"}).ok());
  auto r = RunCommand({Bin(), target_.IbTarget(), other.IbTarget(), "--lun", "1", "--fabric",
                       "soft", "--run-dir", run_dir_});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("is not the logical unit of"));
  EXPECT_EQ(List().size(), 0u);
}

}  // namespace
}  // namespace srp::attach_test
