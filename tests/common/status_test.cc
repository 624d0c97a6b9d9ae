#include "lib/common/status.h"

#include <gtest/gtest.h>

#include <memory>

namespace srp {
namespace {

TEST(StatusTest, DefaultIsOkAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CarriesCodeMessageAndErrno) {
  Status s(StatusCode::kIoError, "write add_target", EIO);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.sys_errno(), EIO);
  EXPECT_EQ(s.ToString(), "IoError: write add_target");
}

TEST(StatusTest, FromErrnoMapsCommonErrnos) {
  EXPECT_EQ(Status::FromErrno(EEXIST, "x").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Status::FromErrno(ENOENT, "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(Status::FromErrno(EACCES, "x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Status::FromErrno(EINVAL, "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Status::FromErrno(ECONNRESET, "x").code(), StatusCode::kDisconnected);
  EXPECT_EQ(Status::FromErrno(EHOSTUNREACH, "x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(Status::FromErrno(EIO, "x").code(), StatusCode::kIoError);
  Status s = Status::FromErrno(EEXIST, "write /sys/x");
  EXPECT_EQ(s.sys_errno(), EEXIST);
  EXPECT_EQ(s.message(), "write /sys/x: File exists");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCodeAndErrno) {
  Status s = Status::FromErrno(EEXIST, "write").WithContext("login target 1");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.sys_errno(), EEXIST);
  EXPECT_EQ(s.message(), "login target 1: write: File exists");
  EXPECT_TRUE(Status().WithContext("ignored").ok());
}

Result<int> Half(int v) {
  if (v % 2) return InvalidArgument("odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  SRP_ASSIGN_OR_RETURN(int half, Half(v));
  SRP_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int v) {
  SRP_RETURN_IF_ERROR(Half(v).status());
  return Status::Ok();
}

TEST(ResultTest, ValueAndErrorPaths) {
  Result<int> r = Half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4);
  EXPECT_TRUE(r.status().ok());
  Result<int> bad = Half(3);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(ResultTest, MacrosPropagateFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd");  // 6 -> 3 is odd
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_EQ(CheckEven(5).code(), StatusCode::kInvalidArgument);
}

TEST(ResultTest, HoldsMoveOnlyTypes) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, OkStatusIsNotAValidError) {
  Result<int> r{Status::Ok()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace srp
