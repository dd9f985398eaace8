#include "engine/runtime/shim_launcher.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine::runtime {
namespace {

class ShimLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    dir_ = mkdtemp(tmpl);
    layer_ = dir_ + "/layer";
    ASSERT_TRUE(base::MakeDirs(layer_).ok());
    ASSERT_TRUE(base::WriteFileAtomic(layer_ + "/marker", "x").ok());
  }
  void TearDown() override {
    (void)UnmountRootfs(RootfsDir(dir_ + "/bundle"));
    (void)base::RemoveAll(dir_);
  }

  // A stand-in shim: a shell script.
  std::string Script(absl::string_view name, absl::string_view body) {
    std::string path = absl::StrCat(dir_, "/", name);
    EXPECT_TRUE(base::WriteFileAtomic(path, absl::StrCat("#!/bin/sh\n", body, "\n"), 0755).ok());
    return path;
  }

  LaunchSpec Spec() {
    LaunchSpec spec;
    spec.id = "abc";
    spec.bundle = dir_ + "/bundle";
    spec.config_json = "{}";
    spec.rootfs_mounts = {snapshots::Mount{"bind", layer_, {"rbind", "rw"}}};
    spec.log_path = dir_ + "/abc-json.log";
    spec.ready_timeout = absl::Seconds(3);
    return spec;
  }

  std::string dir_, layer_;
};

TEST_F(ShimLauncherTest, ShimRunsFromASealedCopy) {
  // $0 is the path the kernel executed: a memfd, not the file on disk.
  std::string shim = Script("shim-exe", absl::StrCat("readlink \"$0\" > ", dir_,
                                                     "/exe; echo ok >&3"));
  ASSERT_TRUE(ShimLauncher(shim).Launch(Spec()).ok());
  std::string exe = *base::ReadFile(dir_ + "/exe");
  EXPECT_TRUE(absl::StartsWith(exe, "/memfd:")) << exe;
}

TEST_F(ShimLauncherTest, ReadyShimGetsItsArguments) {
  std::string shim = Script("shim-ok", absl::StrCat("echo \"$@\" > ", dir_,
                                                    "/args; ls $4/rootfs > ", dir_,
                                                    "/ls; echo ok >&3"));
  ASSERT_TRUE(ShimLauncher(shim).Launch(Spec()).ok());
  std::string b = dir_ + "/bundle";
  EXPECT_EQ(*base::ReadFile(dir_ + "/args"),
            absl::StrCat("--id abc --bundle ", b, " --state-dir ", b, " --socket ", b,
                         "/shim.sock --log-path ", dir_,
                         "/abc-json.log --log-max-size -1 --log-max-file 1 --ready-fd 3\n"));
  EXPECT_EQ(*base::ReadFile(dir_ + "/ls"), "marker\n");
  EXPECT_EQ(*base::ReadFile(b + "/config.json"), "{}");
  // Mounting again (a restart) is a no-op.
  EXPECT_TRUE(MountRootfs(Spec().rootfs_mounts, RootfsDir(b)).ok());
  EXPECT_TRUE(UnmountRootfs(RootfsDir(b)).ok());
  EXPECT_FALSE(base::PathExists(RootfsDir(b) + "/marker"));
}

TEST_F(ShimLauncherTest, ErrorLineBecomesStatusAndUnmounts) {
  std::string shim = Script(
      "shim-err", "echo 'error: exec: \"nosuch\": executable file not found in $PATH' >&3");
  absl::Status s = ShimLauncher(shim).Launch(Spec());
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_EQ(s.message(), "exec: \"nosuch\": executable file not found in $PATH");
  EXPECT_FALSE(base::PathExists(RootfsDir(dir_ + "/bundle") + "/marker"));
}

TEST_F(ShimLauncherTest, SilentDeathAndTimeout) {
  std::string dies = Script("shim-dies", "echo boom >&2; exit 1");
  absl::Status s = ShimLauncher(dies).Launch(Spec());
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "boom")) << s;

  std::string hangs = Script("shim-hangs", "sleep 2");
  LaunchSpec spec = Spec();
  spec.ready_timeout = absl::Milliseconds(300);
  s = ShimLauncher(hangs).Launch(spec);
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
}

TEST(ShimErrorStatusTest, Codes) {
  EXPECT_TRUE(absl::IsPermissionDenied(ShimErrorStatus("error: exec: \"/etc\": permission denied")));
  EXPECT_TRUE(absl::IsInvalidArgument(ShimErrorStatus("error: uid beyond int32")));
}

TEST(FindShimBinaryTest, OverrideMustExist) {
  EXPECT_TRUE(absl::IsNotFound(FindShimBinary("/nonexistent/berth-shim").status()));
  EXPECT_EQ(*FindShimBinary("/bin/sh"), "/bin/sh");
}

}  // namespace
}  // namespace engine::runtime
