#include "engine/archive/layer_extractor.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/archive/archive_library.h"
#include "engine/archive/decompress.h"
#include "engine/archive/tar_builder.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine::archive {
namespace {

// Lists everything under `dir` except `skip` (path, type, mode, owner,
// nlink, mtime, size, content or link target), to prove nothing changed.
void Snapshot(const std::string& dir, const std::string& rel, const std::string& skip,
              std::map<std::string, std::string>* out) {
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr) << dir;
  while (struct dirent* de = readdir(d)) {
    std::string n = de->d_name;
    if (n == "." || n == "..") continue;
    std::string path = dir + "/" + n, r = rel + "/" + n;
    if (r == skip) continue;
    struct stat st;
    ASSERT_EQ(lstat(path.c_str(), &st), 0);
    std::string desc = absl::StrCat(st.st_mode, " ", st.st_uid, ":", st.st_gid, " n", st.st_nlink,
                                    " t", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, " s", st.st_size);
    if (S_ISREG(st.st_mode)) desc += " " + base::ReadFile(path).value();
    if (S_ISLNK(st.st_mode)) {
      char buf[4096];
      ssize_t len = readlink(path.c_str(), buf, sizeof(buf));
      desc += " -> " + std::string(buf, len > 0 ? len : 0);
    }
    (*out)[r] = desc;
    if (S_ISDIR(st.st_mode)) Snapshot(path, r, skip, out);
  }
  closedir(d);
}

class LayerExtractorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    root_ = base_ + "/root";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    ASSERT_TRUE(base::MakeDirs(base_ + "/victim").ok());
    ASSERT_TRUE(base::WriteFileAtomic(base_ + "/victim/hello", "victim data").ok());
    ASSERT_TRUE(base::MakeDirs(base_ + "/root-evil").ok());
    ASSERT_TRUE(base::WriteFileAtomic(base_ + "/root-evil/secret", "sibling").ok());
    Snapshot(base_, "", "/root", &before_);
  }
  void TearDown() override {
    std::map<std::string, std::string> after;
    Snapshot(base_, "", "/root", &after);
    EXPECT_EQ(before_, after) << "something outside the layer root changed";
    EXPECT_TRUE(base::RemoveAll(base_).ok());
  }

  absl::StatusOr<ExtractResult> Extract(const std::string& tar, ExtractOptions options = {}) {
    base::StringSource src(tar);
    return ExtractLayer(&src, root_, options);
  }

  void ExpectError(const TarBuilder& b, absl::StatusCode code, absl::string_view text) {
    absl::StatusOr<ExtractResult> r = Extract(b.Build());
    ASSERT_FALSE(r.ok()) << "extraction succeeded; expected: " << text;
    EXPECT_EQ(r.status().code(), code) << r.status();
    EXPECT_TRUE(absl::StrContains(r.status().message(), text)) << r.status();
  }

  struct stat Lstat(const std::string& rel) {
    struct stat st = {};
    EXPECT_EQ(lstat((root_ + "/" + rel).c_str(), &st), 0) << rel;
    return st;
  }
  bool Exists(const std::string& rel) { return base::PathExists(root_ + "/" + rel); }

  std::string base_, root_;
  std::map<std::string, std::string> before_;
};

TEST_F(LayerExtractorTest, ExtractsAllKindsWithMetadata) {
  TarBuilder b;
  TarEntry dir;
  dir.type = TarEntry::kDir;
  dir.name = "./usr/";
  dir.mode = 01777;
  dir.uid = 1000;
  dir.gid = 1001;
  dir.mtime = 1234567890;
  b.Add(dir);
  TarEntry suid;
  suid.name = "usr/bin/su";  // Parent "usr/bin" is implied.
  suid.data = "#!/bin/sh\n";
  suid.mode = 04755;
  suid.uid = 0;
  suid.gid = 0;
  suid.mtime = 1111111111;
  suid.xattrs = {{"user.note", "hi"}, {"security.capability", std::string("\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20)}};
  b.Add(suid);
  b.File("usr/data", std::string(300000, 'x'), 0600);
  b.Symlink("usr/abs", "/etc/passwd");
  b.Hardlink("usr/data-link", "usr/data");
  TarEntry fifo;
  fifo.type = TarEntry::kFifo;
  fifo.name = "usr/pipe";
  fifo.mode = 0640;
  b.Add(fifo);
  const std::string tar = b.Build();

  absl::StatusOr<ExtractResult> r = Extract(tar);
  ASSERT_TRUE(r.ok()) << r.status();
  // libarchive is loaded only while a layer is being extracted.
  EXPECT_FALSE(ArchiveLoaded());
  EXPECT_EQ(r->diff_id, base::Digest::Of(tar));
  EXPECT_EQ(r->tar_bytes, tar.size());
  EXPECT_EQ(r->content_bytes, 300000u + 10u);

  struct stat st = Lstat("usr");
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1001u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1234567890) << "directory mtime must be applied last";
  st = Lstat("usr/bin/su");
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1111111111);
  EXPECT_EQ(base::ReadFile(root_ + "/usr/bin/su").value(), "#!/bin/sh\n");
  char buf[64];
  EXPECT_EQ(getxattr((root_ + "/usr/bin/su").c_str(), "user.note", buf, sizeof(buf)), 2);
  EXPECT_EQ(getxattr((root_ + "/usr/bin/su").c_str(), "security.capability", buf, sizeof(buf)), 20);
  EXPECT_EQ(Lstat("usr/bin").st_mode & 07777, 0755u);
  // The hardlink entry (mode 0644) comes last and sets the shared inode's mode.
  EXPECT_EQ(Lstat("usr/data").st_mode & 07777, 0644u);
  EXPECT_EQ(Lstat("usr/data").st_nlink, 2u);
  EXPECT_EQ(Lstat("usr/data-link").st_ino, Lstat("usr/data").st_ino);
  ssize_t n = readlink((root_ + "/usr/abs").c_str(), buf, sizeof(buf));
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "/etc/passwd");
  EXPECT_TRUE(S_ISFIFO(Lstat("usr/pipe").st_mode));
  EXPECT_EQ(Lstat("usr/pipe").st_mode & 07777, 0640u);
}

TEST_F(LayerExtractorTest, DiffIdCoversTrailingPadding) {
  const std::string tar = TarBuilder().File("a", "1").Build() + std::string(20480, '\0');
  absl::StatusOr<ExtractResult> r = Extract(tar);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->diff_id, base::Digest::Of(tar));
  EXPECT_EQ(r->tar_bytes, tar.size());
}

TEST_F(LayerExtractorTest, RejectsDotDot) {
  for (const char* name : {"../pwned", "../../pwned", "..", "a/../../x", "./../victim/hello"}) {
    SCOPED_TRACE(name);
    ExpectError(TarBuilder().File(name, "x"), absl::StatusCode::kInvalidArgument,
                absl::StrCat("layer entry \"", name, "\": path escapes the layer root"));
  }
  ExpectError(TarBuilder().Dir(".."), absl::StatusCode::kInvalidArgument, "escapes");
}

TEST_F(LayerExtractorTest, RejectsAbsoluteNames) {
  ExpectError(TarBuilder().File("/etc/passwd", "x"), absl::StatusCode::kInvalidArgument, "absolute");
  ExpectError(TarBuilder().File("/../victim/x", "x"), absl::StatusCode::kInvalidArgument, "absolute");
  EXPECT_FALSE(Exists("etc"));
}

TEST_F(LayerExtractorTest, SymlinkParentsResolveInsideRoot) {
  // loop -> ../victim: the parent resolves to <root>/victim, which is absent.
  absl::StatusOr<ExtractResult> r =
      Extract(TarBuilder().Symlink("loop", "../victim").File("loop/file", "x").Build());
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(base::PathExists(base_ + "/victim/file"));
  // loop -> / then loop/etc/x lands in <root>/etc/x.
  const std::string marker = absl::StrCat("berth-escape-", getpid());
  ASSERT_TRUE(base::RemoveAll(root_).ok());
  ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
  r = Extract(TarBuilder().Symlink("loop", "/").File("loop/" + marker + "/x", "in").Build());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(base::ReadFile(root_ + "/" + marker + "/x").value(), "in");
  EXPECT_FALSE(base::PathExists("/" + marker));
}

TEST_F(LayerExtractorTest, TwoHopSymlinkIsContained) {
  absl::StatusOr<ExtractResult> r = Extract(TarBuilder()
                                                .Dir("inner")
                                                .Symlink("inner/go_up", "..")
                                                .Symlink("inner/go_up/escape", "../victim")
                                                .File("inner/go_up/escape/newfile", "x")
                                                .Build());
  // go_up resolves to the root, so escape is <root>/escape -> ../victim,
  // which resolves to <root>/victim (absent): an error, and nothing outside.
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(S_ISLNK(Lstat("escape").st_mode));
  EXPECT_FALSE(base::PathExists(base_ + "/victim/newfile"));
}

TEST_F(LayerExtractorTest, SymlinkLoopFails) {
  ExpectError(TarBuilder().Symlink("a", "b").Symlink("b", "a").File("a/x", "x"),
              absl::StatusCode::kInvalidArgument, "layer entry \"a/x\": path escapes the layer root");
}

TEST_F(LayerExtractorTest, HardlinksMustStayInLayer) {
  for (const char* target : {"../victim/hello", "/../victim/hello", "../root-evil/secret"}) {
    SCOPED_TRACE(target);
    ExpectError(TarBuilder().Hardlink("h", target), absl::StatusCode::kInvalidArgument, "layer entry \"h\"");
  }
  ExpectError(TarBuilder().Symlink("s", "../victim").Hardlink("h", "s/hello"),
              absl::StatusCode::kInvalidArgument, "not in this layer");
  ExpectError(TarBuilder().Dir("d").Hardlink("h", "d"), absl::StatusCode::kInvalidArgument,
              "not a regular file");
  ExpectError(TarBuilder().Hardlink("h", "missing"), absl::StatusCode::kInvalidArgument, "not in this layer");
  struct stat st;
  ASSERT_EQ(stat((base_ + "/victim/hello").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
}

TEST_F(LayerExtractorTest, HardlinkEntryModeAppliesToTheSharedFile) {
  // Docker and containerd chmod the file to the link entry's mode.
  ASSERT_TRUE(Extract(TarBuilder().File("f", "data", 0755).Hardlink("h", "f").Build()).ok());
  EXPECT_EQ(Lstat("h").st_ino, Lstat("f").st_ino);
  EXPECT_EQ(Lstat("f").st_mode & 07777, 0644u);
}

TEST_F(LayerExtractorTest, HardlinkToSymlinkLinksTheSymlink) {
  ASSERT_TRUE(Extract(TarBuilder().File("f", "data").Symlink("s", "f").Hardlink("h", "s").Build()).ok());
  EXPECT_TRUE(S_ISLNK(Lstat("h").st_mode));
  EXPECT_EQ(Lstat("h").st_ino, Lstat("s").st_ino);
}

TEST_F(LayerExtractorTest, ReplacesWithoutFollowing) {
  // A11: directory replaced by a symlink to /, then a file through it.
  absl::StatusOr<ExtractResult> r = Extract(
      TarBuilder().Dir("a").File("a/old", "1").Symlink("a", "/").File("a/x", "through").Build());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(S_ISLNK(Lstat("a").st_mode));
  EXPECT_EQ(base::ReadFile(root_ + "/x").value(), "through");
  // A20: duplicates, last one wins; an existing symlink is replaced, not followed.
  r = Extract(TarBuilder()
                  .File("dup", "first")
                  .File("dup", "second")
                  .File("fd", "file")
                  .Dir("fd")
                  .File("fd/in", "1")
                  .Dir("df")
                  .File("df/in", "1")
                  .File("df", "now a file")
                  .Symlink("link", "../victim/hello")
                  .File("link", "replaced")
                  .Dir("keep")
                  .File("keep/a", "a")
                  .Dir("keep", 0700)
                  .Build());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(base::ReadFile(root_ + "/dup").value(), "second");
  EXPECT_TRUE(S_ISDIR(Lstat("fd").st_mode));
  EXPECT_EQ(base::ReadFile(root_ + "/df").value(), "now a file");
  EXPECT_TRUE(S_ISREG(Lstat("link").st_mode));
  EXPECT_EQ(base::ReadFile(root_ + "/keep/a").value(), "a") << "dir over dir keeps content";
  EXPECT_EQ(Lstat("keep").st_mode & 07777, 0700u);
}

TEST_F(LayerExtractorTest, ParentMustBeADirectory) {
  ExpectError(TarBuilder().File("f", "x").File("f/x", "y"), absl::StatusCode::kInvalidArgument,
              "layer entry \"f/x\": \"f\" is not a directory");
  ExpectError(TarBuilder().Symlink("dangling", "nowhere").File("dangling/x", "y"),
              absl::StatusCode::kInvalidArgument, "dangling symlink");
}

TEST_F(LayerExtractorTest, RejectsDeviceNodes) {
  for (TarEntry::Type type : {TarEntry::kCharDev, TarEntry::kBlockDev}) {
    TarEntry e;
    e.type = type;
    e.name = "dev/node";
    e.dev_major = type == TarEntry::kCharDev ? 1 : 8;
    e.dev_minor = type == TarEntry::kCharDev ? 1 : 0;
    ExpectError(TarBuilder().Add(e), absl::StatusCode::kInvalidArgument,
                "layer entry \"dev/node\": device nodes are not allowed in layers");
  }
}

TEST_F(LayerExtractorTest, WhiteoutsBecomeOverlayForm) {
  absl::StatusOr<ExtractResult> r = Extract(TarBuilder()
                                                .Dir("d")
                                                .File("d/.wh.gone", "")
                                                .File("d/.wh..wh..opq", "")
                                                .File("deep/er/.wh.x", "")
                                                .Build());
  ASSERT_TRUE(r.ok()) << r.status();
  struct stat st = Lstat("d/gone");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_FALSE(Exists("d/.wh.gone"));
  EXPECT_FALSE(Exists("d/.wh..wh..opq"));
  char v[4];
  EXPECT_EQ(getxattr((root_ + "/d").c_str(), "trusted.overlay.opaque", v, sizeof(v)), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_LT(getxattr(root_.c_str(), "trusted.overlay.opaque", v, sizeof(v)), 0) << "parent not opaque";
  EXPECT_TRUE(S_ISCHR(Lstat("deep/er/x").st_mode));
}

TEST_F(LayerExtractorTest, RejectsBadWhiteouts) {
  for (const char* name : {".wh.", "d/.wh..", ".wh...", "d/.wh..wh.foo", ".wh..wh..opqx"}) {
    SCOPED_TRACE(name);
    ExpectError(TarBuilder().File(name, ""), absl::StatusCode::kInvalidArgument, "invalid whiteout entry");
  }
}

TEST_F(LayerExtractorTest, WhiteoutThroughSymlinkStaysInside) {
  ASSERT_TRUE(Extract(TarBuilder().Symlink("s", "/").File("s/.wh.victim", "").Build()).ok());
  EXPECT_TRUE(S_ISCHR(Lstat("victim").st_mode));
  EXPECT_TRUE(base::PathExists(base_ + "/victim/hello"));
}

TEST_F(LayerExtractorTest, XattrPolicy) {
  for (const char* name : {"trusted.overlay.opaque", "trusted.overlay.redirect", "security.selinux",
                           "system.posix_acl_access"}) {
    SCOPED_TRACE(name);
    TarEntry e;
    e.name = "f";
    e.xattrs = {{name, "y"}};
    ExpectError(TarBuilder().Add(e), absl::StatusCode::kInvalidArgument, "is not allowed in layers");
  }
}

TEST_F(LayerExtractorTest, Caps) {
  const std::string big = TarBuilder().File("a", std::string(100000, 'a')).Build();
  ExtractOptions o;
  o.max_total_bytes = 50000;
  EXPECT_EQ(Extract(big, o).status().code(), absl::StatusCode::kResourceExhausted);
  o = ExtractOptions();
  o.max_entries = 3;
  EXPECT_EQ(Extract(TarBuilder().File("1", "").File("2", "").File("3", "").File("4", "").Build(), o)
                .status()
                .code(),
            absl::StatusCode::kResourceExhausted);
  ExpectError(TarBuilder().File(std::string(300, 'n'), ""), absl::StatusCode::kInvalidArgument,
              "longer than 255");
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "d/";
  ExpectError(TarBuilder().File(deep + "f", ""), absl::StatusCode::kInvalidArgument, "name longer than");
  // libarchive itself refuses a 1 MiB pax path: still a clean error.
  EXPECT_FALSE(Extract(TarBuilder().File(std::string(1 << 20, 'p'), "").Build()).ok());
}

TEST_F(LayerExtractorTest, TruncatedAndCorruptTars) {
  const std::string tar = TarBuilder().File("a", std::string(5000, 'a')).File("b", "b").Build();
  for (size_t cut : {size_t{100}, size_t{512}, size_t{2000}, size_t{5700}}) {
    SCOPED_TRACE(cut);
    absl::StatusOr<ExtractResult> r = Extract(tar.substr(0, cut));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
  }
  std::string bad = tar;
  bad[150] ^= 0x11;  // Header checksum no longer matches.
  EXPECT_EQ(Extract(bad).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Extract(std::string(3000, 'z')).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Extract("").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(LayerExtractorTest, StreamErrorsPassThrough) {
  // The decompressor's errors (cap, corrupt gzip) surface unchanged.
  const std::string tar = TarBuilder().File("a", std::string(100000, 'a')).Build();
  {
    base::StringSource src(tar);
    auto d = NewDecompressor(&src, Compression::kNone, 1000);
    absl::StatusOr<ExtractResult> r = ExtractLayer(d->get(), root_);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  }
  base::StringSource junk("\x1f\x8b\x08\x00garbage");
  auto d = NewDecompressor(&junk, Compression::kGzip, 1 << 20);
  absl::StatusOr<ExtractResult> r = ExtractLayer(d->get(), root_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "gzip")) << r.status();
}

TEST_F(LayerExtractorTest, RootEntryCarriesMetadata) {
  TarEntry e;
  e.type = TarEntry::kDir;
  e.name = "./";
  e.mode = 0700;
  ASSERT_TRUE(Extract(TarBuilder().Add(e).File("x", "").Build()).ok());
  struct stat st;
  ASSERT_EQ(stat(root_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  TarEntry fifo;
  fifo.type = TarEntry::kFifo;
  fifo.name = ".";
  ExpectError(TarBuilder().Add(fifo), absl::StatusCode::kInvalidArgument, "must be a directory");
}

TEST_F(LayerExtractorTest, NonAsciiNames) {
  const std::string name = "caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac";
  absl::StatusOr<ExtractResult> r =
      Extract(TarBuilder().File(name, "utf8").Symlink("l", name).Hardlink("h", name).Build());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(base::ReadFile(root_ + "/" + name).value(), "utf8");
  EXPECT_EQ(Lstat("h").st_ino, Lstat(name).st_ino);
  // Not UTF-8 at all: the raw bytes are kept.
  r = Extract(TarBuilder().File("latin\xe9", "raw").Build());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(base::ReadFile(root_ + "/latin\xe9").value(), "raw");
}

}  // namespace
}  // namespace engine::archive
