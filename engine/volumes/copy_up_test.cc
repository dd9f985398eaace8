#include "engine/volumes/copy_up.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine::volumes {
namespace {

struct stat Lstat(const std::string& path) {
  struct stat st = {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st;
}

std::string ReadLink(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  EXPECT_GE(n, 0) << path;
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

// Every regular file under `dir` (recursively, not following symlinks).
void CollectFiles(const std::string& dir, std::vector<std::string>* out) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (d == nullptr) return;
  while (struct dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = dir + "/" + name;
    struct stat st = Lstat(path);
    if (S_ISDIR(st.st_mode)) CollectFiles(path, out);
    if (S_ISREG(st.st_mode)) out->push_back(path);
  }
}

class CopyUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    dir_ = mkdtemp(tmpl);
    rootfs_ = dir_ + "/rootfs";
    dest_ = dir_ + "/volume/_data";
    outside_ = dir_ + "/outside";
    ASSERT_TRUE(base::MakeDirs(rootfs_).ok());
    ASSERT_TRUE(base::MakeDirs(dest_).ok());
    ASSERT_TRUE(base::MakeDirs(outside_).ok());
    ASSERT_TRUE(base::WriteFileAtomic(outside_ + "/secret", "host secret", 0600).ok());
  }
  void TearDown() override { (void)base::RemoveAll(dir_); }

  void Write(const std::string& rel, const std::string& data, mode_t mode = 0644) {
    ASSERT_TRUE(base::WriteFileAtomic(rootfs_ + rel, data, mode).ok()) << rel;
  }
  void Symlink(const std::string& target, const std::string& rel) {
    ASSERT_EQ(symlink(target.c_str(), (rootfs_ + rel).c_str()), 0) << rel;
  }
  // No copy of the host's secret anywhere in the volume.
  void ExpectNoSecretInVolume() {
    std::vector<std::string> files;
    CollectFiles(dest_, &files);
    for (const std::string& f : files) {
      absl::StatusOr<std::string> data = base::ReadFile(f);
      ASSERT_TRUE(data.ok());
      EXPECT_EQ(data->find("host secret"), std::string::npos) << f;
    }
  }
  bool DestEmpty() {
    std::vector<std::string> files;
    CollectFiles(dest_, &files);
    struct stat st = Lstat(dest_);
    return files.empty() && st.st_nlink == 2;
  }

  std::string dir_, rootfs_, dest_, outside_;
};

TEST_F(CopyUpTest, CopiesFilesDirsSymlinksWithOwnersModesAndTimes) {
  ASSERT_TRUE(base::MakeDirs(rootfs_ + "/var/lib/app/sub").ok());
  Write("/var/lib/app/conf", "hello");
  Write("/var/lib/app/sub/tool", "#!/bin/sh\n", 04755);
  Symlink("conf", "/var/lib/app/link");
  Symlink("/etc/passwd", "/var/lib/app/abs");
  ASSERT_EQ(chown((rootfs_ + "/var/lib/app/conf").c_str(), 1234, 5678), 0);
  ASSERT_EQ(chmod((rootfs_ + "/var/lib/app/sub/tool").c_str(), 04755), 0);
  ASSERT_EQ(chown((rootfs_ + "/var/lib/app/sub").c_str(), 33, 33), 0);
  ASSERT_EQ(chmod((rootfs_ + "/var/lib/app/sub").c_str(), 0750), 0);
  ASSERT_EQ(lchown((rootfs_ + "/var/lib/app/link").c_str(), 7, 8), 0);
  ASSERT_EQ(chown((rootfs_ + "/var/lib/app").c_str(), 999, 998), 0);
  ASSERT_EQ(chmod((rootfs_ + "/var/lib/app").c_str(), 0770), 0);
  struct timeval old[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(utimes((rootfs_ + "/var/lib/app/conf").c_str(), old), 0);
  ASSERT_EQ(mkfifo((rootfs_ + "/var/lib/app/fifo").c_str(), 0644), 0);

  ASSERT_TRUE(CopyUp(rootfs_, "/var/lib/app", dest_).ok());

  absl::StatusOr<std::string> conf = base::ReadFile(dest_ + "/conf");
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(*conf, "hello");
  struct stat st = Lstat(dest_ + "/conf");
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(Lstat(dest_ + "/sub/tool").st_mode & 07777, 04755u);
  st = Lstat(dest_ + "/sub");
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_uid, 33u);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  st = Lstat(dest_ + "/link");
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_uid, 7u);
  EXPECT_EQ(ReadLink(dest_ + "/link"), "conf");
  EXPECT_EQ(ReadLink(dest_ + "/abs"), "/etc/passwd");
  EXPECT_FALSE(base::PathExists(dest_ + "/fifo"));  // fifos are skipped
  // The volume's root takes the image directory's owner and mode.
  st = Lstat(dest_);
  EXPECT_EQ(st.st_uid, 999u);
  EXPECT_EQ(st.st_gid, 998u);
  EXPECT_EQ(st.st_mode & 07777, 0770u);
}

TEST_F(CopyUpTest, MissingPathCopiesNothing) {
  EXPECT_TRUE(CopyUp(rootfs_, "/no/such/dir", dest_).ok());
  Write("/file", "x");
  EXPECT_TRUE(CopyUp(rootfs_, "/file", dest_).ok());  // not a directory
  EXPECT_TRUE(CopyUp(rootfs_, "/file/below", dest_).ok());
  EXPECT_TRUE(DestEmpty());
}

TEST_F(CopyUpTest, NonEmptyVolumeIsLeftAlone) {
  ASSERT_TRUE(base::MakeDirs(rootfs_ + "/data").ok());
  Write("/data/new", "image");
  ASSERT_TRUE(base::WriteFileAtomic(dest_ + "/mine", "user").ok());
  ASSERT_TRUE(CopyUp(rootfs_, "/data", dest_).ok());
  EXPECT_FALSE(base::PathExists(dest_ + "/new"));
  EXPECT_TRUE(base::PathExists(dest_ + "/mine"));
}

TEST_F(CopyUpTest, SymlinksInsideTheVolumeAreCopiedNotFollowed) {
  ASSERT_TRUE(base::MakeDirs(rootfs_ + "/data").ok());
  Symlink("/etc/shadow", "/data/shadow");
  Symlink(outside_ + "/secret", "/data/secret");
  Symlink("../../../../../../../.." + outside_, "/data/up");
  ASSERT_TRUE(CopyUp(rootfs_, "/data", dest_).ok());
  EXPECT_TRUE(S_ISLNK(Lstat(dest_ + "/shadow").st_mode));
  EXPECT_EQ(ReadLink(dest_ + "/shadow"), "/etc/shadow");
  EXPECT_TRUE(S_ISLNK(Lstat(dest_ + "/secret").st_mode));
  EXPECT_TRUE(S_ISLNK(Lstat(dest_ + "/up").st_mode));
  ExpectNoSecretInVolume();
}

TEST_F(CopyUpTest, VolumePathThroughAbsoluteSymlinkStaysInRoot) {
  // /data -> <host dir>: resolved inside the rootfs, where it does not exist.
  Symlink(outside_, "/data");
  ASSERT_TRUE(CopyUp(rootfs_, "/data", dest_).ok());
  EXPECT_TRUE(DestEmpty());
  // /data2 -> /real: followed inside the rootfs, as Docker resolves it.
  ASSERT_TRUE(base::MakeDirs(rootfs_ + "/real").ok());
  Write("/real/f", "in image");
  Symlink("/real", "/data2");
  ASSERT_TRUE(CopyUp(rootfs_, "/data2", dest_).ok());
  absl::StatusOr<std::string> f = base::ReadFile(dest_ + "/f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, "in image");
}

TEST_F(CopyUpTest, DotDotEscapesStayInRoot) {
  // The host dir also exists under the same relative name outside: a ../
  // escape would find it.
  Symlink("../../../../../../../../.." + outside_, "/rel");
  ASSERT_TRUE(CopyUp(rootfs_, "/rel", dest_).ok());
  ASSERT_TRUE(CopyUp(rootfs_, "/../outside", dest_).ok());
  ASSERT_TRUE(CopyUp(rootfs_, "/../../../../../../../.." + outside_, dest_).ok());
  EXPECT_TRUE(DestEmpty());
  ExpectNoSecretInVolume();
  // The host's files are untouched.
  absl::StatusOr<std::string> secret = base::ReadFile(outside_ + "/secret");
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(*secret, "host secret");
}

TEST_F(CopyUpTest, SymlinkedDirectoryBelowTheVolumeIsNotEntered) {
  ASSERT_TRUE(base::MakeDirs(rootfs_ + "/data").ok());
  Symlink(outside_, "/data/dir");
  Symlink("/proc/self/root" + outside_, "/data/magic");
  ASSERT_TRUE(CopyUp(rootfs_, "/data", dest_).ok());
  EXPECT_TRUE(S_ISLNK(Lstat(dest_ + "/dir").st_mode));
  EXPECT_TRUE(S_ISLNK(Lstat(dest_ + "/magic").st_mode));
  ExpectNoSecretInVolume();
}

TEST_F(CopyUpTest, MagicLinkInThePathIsRefused) {
  // /data -> /proc/self/root/<outside>: inside the rootfs /proc is not the
  // host's procfs, so this does not resolve; a bind-mounted procfs would be
  // a mount crossing (RESOLVE_NO_XDEV). Either way nothing is copied.
  Symlink("/proc/self/root" + outside_, "/data");
  absl::Status s = CopyUp(rootfs_, "/data", dest_);
  EXPECT_TRUE(s.ok() || absl::IsInvalidArgument(s)) << s;
  EXPECT_TRUE(DestEmpty());
}

TEST_F(CopyUpTest, SymlinkLoopIsAnError) {
  Symlink("/b", "/a");
  Symlink("/a", "/b");
  absl::Status s = CopyUp(rootfs_, "/a", dest_);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_TRUE(DestEmpty());
}

TEST_F(CopyUpTest, TooDeepTreeIsAnError) {
  std::string path = rootfs_ + "/deep";
  for (int i = 0; i < 300; ++i) path += "/d";
  ASSERT_TRUE(base::MakeDirs(path).ok());
  absl::Status s = CopyUp(rootfs_, "/deep", dest_);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
}

}  // namespace
}  // namespace engine::volumes
