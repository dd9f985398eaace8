#include "engine/archive/decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace engine::archive {
namespace {

std::string Gzip(const std::string& data) {
  z_stream zs = {};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = data.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// Mostly compressible data with some noise, so deflate emits all block kinds.
std::string TestData(size_t size) {
  std::mt19937 rng(7);
  std::string s;
  s.reserve(size);
  while (s.size() < size) {
    if (rng() % 4 == 0) {
      for (int i = 0; i < 64; ++i) s.push_back(static_cast<char>(rng()));
    } else {
      s += "the quick brown fox jumps over the lazy dog ";
    }
  }
  s.resize(size);
  return s;
}

// Hands out at most `chunk` bytes per Read, to split headers and frames.
class ChunkedSource : public base::ByteSource {
 public:
  ChunkedSource(absl::string_view data, size_t chunk) : data_(data), chunk_(chunk) {}
  absl::StatusOr<size_t> Read(char* buf, size_t cap) override {
    size_t n = std::min({cap, chunk_, data_.size()});
    memcpy(buf, data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }

 private:
  absl::string_view data_;
  size_t chunk_;
};

class FailingSource : public base::ByteSource {
 public:
  absl::StatusOr<size_t> Read(char*, size_t) override {
    return absl::UnavailableError("connection reset");
  }
};

absl::StatusOr<std::string> ReadAll(base::ByteSource* inner, Compression c, uint64_t max,
                                    size_t read_size = 1 << 20) {
  auto d = NewDecompressor(inner, c, max);
  if (!d.ok()) return d.status();
  std::string out;
  std::string buf(read_size, '\0');
  while (true) {
    absl::StatusOr<size_t> n = (*d)->Read(buf.data(), buf.size());
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

absl::StatusOr<std::string> Decode(const std::string& in, Compression c, uint64_t max = 1ull << 40,
                                   size_t chunk = 1 << 20, size_t read_size = 1 << 20) {
  ChunkedSource src(in, chunk);
  return ReadAll(&src, c, max, read_size);
}

TEST(SniffCompressionTest, RecognizesMagic) {
  EXPECT_EQ(SniffCompression(Gzip("x")), Compression::kGzip);
  EXPECT_EQ(SniffCompression(Zstd("x")), Compression::kZstd);
  EXPECT_EQ(SniffCompression("ustar"), Compression::kNone);
  EXPECT_EQ(SniffCompression("\x1f"), Compression::kNone);
  EXPECT_EQ(SniffCompression(""), Compression::kNone);
  EXPECT_EQ(CompressionName(Compression::kZstd), "zstd");
}

TEST(GzipTest, RoundTripsWithLargeAndTinyBuffers) {
  const std::string data = TestData(3 << 20);
  const std::string gz = Gzip(data);
  EXPECT_EQ(Decode(gz, Compression::kGzip).value(), data);
  // Input trickling in 7 bytes at a time, output pulled 1000 bytes at a time.
  EXPECT_EQ(Decode(gz, Compression::kGzip, 1ull << 40, 7, 1000).value(), data);
}

TEST(GzipTest, EmptyPayload) {
  EXPECT_EQ(Decode(Gzip(""), Compression::kGzip).value(), "");
}

TEST(GzipTest, MultiMember) {
  const std::string a = TestData(100000), b = "second member", c = TestData(5000);
  const std::string gz = Gzip(a) + Gzip(b) + Gzip(c);
  EXPECT_EQ(Decode(gz, Compression::kGzip).value(), a + b + c);
  EXPECT_EQ(Decode(gz, Compression::kGzip, 1ull << 40, 3, 4096).value(), a + b + c);
}

TEST(GzipTest, TruncatedIsUnexpectedEof) {
  const std::string gz = Gzip(TestData(200000));
  for (size_t cut : {size_t{1}, size_t{5}, size_t{12}, gz.size() / 2, gz.size() - 4, gz.size() - 1}) {
    absl::StatusOr<std::string> out = Decode(gz.substr(0, cut), Compression::kGzip);
    ASSERT_FALSE(out.ok()) << cut;
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss) << cut;
    EXPECT_TRUE(absl::StrContains(out.status().message(), "unexpected EOF")) << out.status();
  }
  absl::StatusOr<std::string> out = Decode("", Compression::kGzip);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
}

TEST(GzipTest, BadHeaderAndTrailingGarbage) {
  absl::StatusOr<std::string> out = Decode("this is not gzip at all", Compression::kGzip);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(out.status().message(), "gzip: invalid header")) << out.status();

  out = Decode(Gzip("payload") + "garbage after", Compression::kGzip);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(out.status().message(), "invalid header")) << out.status();
}

TEST(GzipTest, ChecksumMismatch) {
  std::string gz = Gzip(TestData(10000));
  gz[gz.size() - 6] ^= 0x55;  // Inside the CRC32 of the trailer.
  absl::StatusOr<std::string> out = Decode(gz, Compression::kGzip);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(out.status().message(), "checksum")) << out.status();
}

TEST(GzipTest, CorruptDeflateData) {
  std::string gz = Gzip(TestData(100000));
  for (size_t i = 20; i < 60; ++i) gz[i] = static_cast<char>(0xff);
  absl::StatusOr<std::string> out = Decode(gz, Compression::kGzip);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss) << out.status();
}

TEST(GzipTest, BombHitsOutputCap) {
  const std::string gz = Gzip(std::string(64 << 20, '\0'));
  EXPECT_LT(gz.size(), 200u << 10);
  absl::StatusOr<std::string> out = Decode(gz, Compression::kGzip, 4 << 20);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted) << out.status();
  // Exactly at the cap is fine.
  EXPECT_EQ(Decode(gz, Compression::kGzip, 64 << 20).value().size(), size_t{64} << 20);
}

TEST(ZstdTest, RoundTripAndMultiFrame) {
  const std::string a = TestData(3 << 20), b = "frame two";
  EXPECT_EQ(Decode(Zstd(a), Compression::kZstd).value(), a);
  EXPECT_EQ(Decode(Zstd(a) + Zstd(b), Compression::kZstd, 1ull << 40, 5, 777).value(), a + b);
  EXPECT_EQ(Decode(Zstd(""), Compression::kZstd).value(), "");
}

TEST(ZstdTest, TruncatedCorruptAndGarbage) {
  const std::string z = Zstd(TestData(300000));
  for (size_t cut : {size_t{0}, size_t{2}, size_t{10}, z.size() / 2, z.size() - 1}) {
    absl::StatusOr<std::string> out = Decode(z.substr(0, cut), Compression::kZstd);
    ASSERT_FALSE(out.ok()) << cut;
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss) << cut;
    EXPECT_TRUE(absl::StrContains(out.status().message(), "zstd:")) << out.status();
  }
  absl::StatusOr<std::string> out = Decode("definitely not zstd", Compression::kZstd);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  out = Decode(Zstd("ok") + "trailing junk!", Compression::kZstd);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
}

TEST(ZstdTest, BombHitsOutputCap) {
  const std::string z = Zstd(std::string(64 << 20, '\0'));
  absl::StatusOr<std::string> out = Decode(z, Compression::kZstd, 1 << 20);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted) << out.status();
}

TEST(NoneTest, PassesThroughAndCaps) {
  const std::string data = TestData(100000);
  EXPECT_EQ(Decode(data, Compression::kNone).value(), data);
  EXPECT_EQ(Decode(data, Compression::kNone, 99999).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(DecompressorTest, InnerErrorsPassThroughAndStick) {
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    FailingSource src;
    auto d = NewDecompressor(&src, c, 100).value();
    char buf[16];
    EXPECT_EQ(d->Read(buf, sizeof(buf)).status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(d->Read(buf, sizeof(buf)).status().code(), absl::StatusCode::kUnavailable);
  }
}

}  // namespace
}  // namespace engine::archive
