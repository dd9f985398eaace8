#include "engine/base/status.h"

#include <cerrno>

#include "absl/status/statusor.h"
#include "engine/base/status_macros.h"
#include "gtest/gtest.h"

namespace base {
namespace {

TEST(ErrnoErrorTest, CarriesPathAndErrnoText) {
  absl::Status s = ErrnoError(ENOENT, "open /x");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "open /x: No such file or directory");
  EXPECT_EQ(ErrnoError(EEXIST, "mkdir /y").code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(AnnotateTest, PrependsContextAndKeepsCode) {
  absl::Status s = Annotate(absl::NotFoundError("blob missing"), "pull x");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "pull x: blob missing");
  EXPECT_TRUE(Annotate(absl::OkStatus(), "ctx").ok());
}

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  ASSIGN_OR_RETURN(int half, Half(n));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int n) {
  RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

TEST(MacrosTest, PropagateErrorsAndValues) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_FALSE(CheckEven(3).ok());
}

}  // namespace
}  // namespace base
