// Reload of a running target: `srp-target reload` and SIGHUP apply a changed file without
// dropping the session (it sees REPORTED LUNS DATA HAS CHANGED, then the new LUN); a bad file
// is refused with file:line and changes nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/integration/admin_fixture.h"

namespace srp::integration {
namespace {

constexpr const char* kOneLun = R"(HANDLER vdisk_memory {
	DEVICE m0 {
		size 1048576
	}
	DEVICE m1 {
		size 1048576
	}
}
TARGET_DRIVER ib_srpt {
	TARGET tgt0 {
		LUN 0 m0
	}
}
)";

std::string WithLun(std::string conf, const std::string& line) {
  conf.replace(conf.find("\t\tLUN 0 m0\n"), 11, "\t\tLUN 0 m0\n\t\t" + line + "\n");
  return conf;
}

class ReloadTest : public AdminTest {};

TEST_P(ReloadTest, AddedLunSeenLive) {
  std::string conf = WriteFile("r.conf", kOneLun);
  StartWithRunDir({"--config", conf});
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  EXPECT_EQ(Tur(*s, 0), "GOOD");
  EXPECT_EQ(Luns(*s), (std::vector<uint32_t>{0}));

  WriteFile("r.conf", WithLun(kOneLun, "LUN 1 m1"));
  auto reload = Reload();
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_EQ(reload.out, "tgt0: LUN 1 added: m1\n");
  EXPECT_EQ(Tur(*s, 0), "6/3f/0e");  // REPORTED LUNS DATA HAS CHANGED
  EXPECT_EQ(Luns(*s), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(Tur(*s, 1), "GOOD");
  EXPECT_EQ(Tur(*s, 0), "GOOD");  // the same session: never dropped

  // SIGHUP does the same: LUN 1 goes away again.
  WriteFile("r.conf", kOneLun);
  ASSERT_EQ(kill(target_.pid(), SIGHUP), 0);
  std::string seen;
  for (int i = 0; i < 100 && seen != "6/3f/0e"; ++i) {
    seen = Tur(*s, 0);
    if (seen != "6/3f/0e") std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(seen, "6/3f/0e");
  EXPECT_EQ(Luns(*s), (std::vector<uint32_t>{0}));
}

TEST_P(ReloadTest, BadFilesChangeNothing) {
  std::string conf = WriteFile("b.conf", kOneLun);
  StartWithRunDir({"--config", conf});
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  EXPECT_EQ(Tur(*s, 0), "GOOD");
  struct Case {
    std::string text;
    std::string where;
  };
  for (const Case& c : std::vector<Case>{
           {WithLun(kOneLun, "LUN 1 nosuch"), conf + ":12:"},
           {WithLun(kOneLun, "LUN x m1"), conf + ":12:"},
           {WithLun(kOneLun, "GROUP g {"), conf + ":"},
           {"HANDLER vdisk_fileio {\n\tDEVICE f {\n\t\tfilename /nonexistent/f.img\n\t}\n}\n" +
                WithLun(kOneLun, "LUN 1 f"),
            conf + ":2:"}}) {
    WriteFile("b.conf", c.text);
    auto reload = Reload();
    EXPECT_EQ(reload.exit_code, 1) << reload.out;
    EXPECT_NE(reload.err.find(c.where), std::string::npos) << reload.err;
    EXPECT_NE(reload.err.find("nothing changed"), std::string::npos) << reload.err;
  }
  EXPECT_EQ(Tur(*s, 0), "GOOD");  // no unit attention: nothing changed
  EXPECT_EQ(Luns(*s), (std::vector<uint32_t>{0}));
}

INSTANTIATE_TEST_SUITE_P(Threads, ReloadTest, ::testing::Values(0, 1), ThreadName);

}  // namespace
}  // namespace srp::integration
