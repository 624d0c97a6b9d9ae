// Control socket: mode 0600, one request/one response, finding the one running target, bad
// clients answered with an error.
#include "target/control/control_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace srp::target::control {
namespace {

class ControlSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/control_socket_test." + std::to_string(getpid());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

ControlResponse Echo(const ControlRequest& r) {
  ControlResponse out;
  out.result = {{"op", std::string(ControlOpName(r.op))}};
  return out;
}

TEST_F(ControlSocketTest, OneRequestPerConnectionMode0600) {
  auto server = ControlServer::Start(dir_, Echo);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  struct stat st {};
  ASSERT_EQ(stat((*server)->path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ((*server)->path(), dir_ + "/srp-target." + std::to_string(getpid()) + ".sock");

  auto found = FindControlSocket(dir_);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(*found, (*server)->path());
  for (ControlOp op : {ControlOp::kReload, ControlOp::kListSessions}) {
    ControlRequest r;
    r.op = op;
    auto response = SendControlRequest(*found, r);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_TRUE(response->ok);
    EXPECT_EQ(response->result["op"], std::string(ControlOpName(op)));
  }
  std::string path = (*server)->path();
  server->reset();
  EXPECT_FALSE(std::filesystem::exists(path));  // removed on stop
  EXPECT_EQ(FindControlSocket(dir_).status().code(), StatusCode::kNotFound);
}

TEST_F(ControlSocketTest, GarbageGetsAnErrorLine) {
  auto server = ControlServer::Start(dir_, Echo);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", (*server)->path().c_str());
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string junk = "{\"op\":\"nope\"}\n";
  ASSERT_EQ(write(fd, junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
  char buf[512] = {};
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  ASSERT_GT(n, 0);
  auto response = DecodeResponse(std::string(buf, static_cast<size_t>(n)));
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->ok);
  EXPECT_EQ(response->error, "bad request: unknown op 'nope'");
  // A client that closes without a line does not stop the server.
  fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
  ControlRequest r;
  auto ok = SendControlRequest((*server)->path(), r);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->ok);
}

TEST_F(ControlSocketTest, StaleIgnoredSeveralMustBeNamed) {
  std::filesystem::create_directories(dir_);
  // A stale socket file (its process is gone): bound, then closed without unlink.
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string stale = dir_ + "/srp-target.999999.sock";
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", stale.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
  EXPECT_EQ(FindControlSocket(dir_).status().code(), StatusCode::kNotFound);
  auto server = ControlServer::Start(dir_, Echo);
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(FindControlSocket(dir_).value(), (*server)->path());
  // A second live one (same listener, other name) makes the choice ambiguous.
  ASSERT_EQ(symlink((*server)->path().c_str(), (dir_ + "/srp-target.1.sock").c_str()), 0);
  auto two = FindControlSocket(dir_);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("2 targets run; name one with --socket"), std::string::npos)
      << two.status().message();
}

TEST(RunDirTest, FlagThenEnvironmentThenDefault) {
  EXPECT_EQ(ResolveRunDir("/x"), "/x");
  setenv(kRunDirEnv, "/from-env", 1);
  EXPECT_EQ(ResolveRunDir(""), "/from-env");
  unsetenv(kRunDirEnv);
  EXPECT_EQ(ResolveRunDir(""), "/run/srp-target");
}

}  // namespace
}  // namespace srp::target::control
