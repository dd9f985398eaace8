#include "shim/json_logger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "shim/exit_file.h"

namespace shim {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at the start of `s` (non-empty, first
// byte >= 0x80), or 0 if it is invalid. Follows Go's utf8.DecodeRune:
// overlongs, surrogates and values above U+10FFFF are invalid.
size_t Utf8SequenceLength(absl::string_view s, uint32_t* rune) {
  const auto* u = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  unsigned char b0 = u[0];
  auto cont = [&](size_t i) { return i < n && (u[i] & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return 0;
    *rune = ((b0 & 0x1Fu) << 6) | (u[1] & 0x3Fu);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (b0 == 0xE0 && u[1] < 0xA0) return 0;   // overlong
    if (b0 == 0xED && u[1] >= 0xA0) return 0;  // surrogate
    *rune = ((b0 & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (b0 == 0xF0 && u[1] < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && u[1] >= 0x90) return 0;  // > U+10FFFF
    *rune = ((b0 & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) | ((u[2] & 0x3Fu) << 6) |
            (u[3] & 0x3Fu);
    return 4;
  }
  return 0;
}

}  // namespace

void AppendJsonLogString(std::string* out, absl::string_view s) {
  out->push_back('"');
  size_t start = 0;
  size_t i = 0;
  auto flush = [&] {
    if (start < i) out->append(s.data() + start, i - start);
  };
  while (i < s.size()) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b >= 0x20 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&') {
        ++i;
        continue;
      }
      flush();
      switch (b) {
        case '\\':
        case '"':
          out->push_back('\\');
          out->push_back(static_cast<char>(b));
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        default:
          out->append("\\u00");
          out->push_back(kHex[b >> 4]);
          out->push_back(kHex[b & 0xF]);
      }
      start = ++i;
      continue;
    }
    uint32_t rune = 0;
    size_t len = Utf8SequenceLength(s.substr(i), &rune);
    if (len == 0) {
      flush();
      out->append("\\ufffd");
      start = ++i;
      continue;
    }
    if (rune == 0x2028 || rune == 0x2029) {
      flush();
      out->append("\\u202");
      out->push_back(kHex[rune & 0xF]);
      i += len;
      start = i;
      continue;
    }
    i += len;
  }
  flush();
  out->push_back('"');
}

std::string FormatLogEntry(absl::string_view log, LogStream stream, absl::Time time) {
  std::string out;
  out.reserve(log.size() + 80);
  out.append("{\"log\":");
  AppendJsonLogString(&out, log);
  out.append(stream == LogStream::kStdout ? ",\"stream\":\"stdout\"" : ",\"stream\":\"stderr\"");
  out.append(",\"time\":\"");
  out.append(FormatRfc3339Nano(time));
  out.append("\"}\n");
  return out;
}

JsonLogger::JsonLogger(std::string path, base::UniqueFd fd, int64_t size, int64_t max_size,
                       int max_files)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      size_(size),
      max_size_(max_size),
      max_files_(max_files < 1 ? 1 : max_files) {}

absl::StatusOr<std::unique_ptr<JsonLogger>> JsonLogger::Open(absl::string_view path,
                                                             int64_t max_size, int max_files) {
  std::string p(path);
  base::UniqueFd fd(::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return base::ErrnoError(errno, absl::StrCat("open ", p));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return base::ErrnoError(errno, absl::StrCat("stat ", p));
  return std::unique_ptr<JsonLogger>(
      new JsonLogger(std::move(p), std::move(fd), st.st_size, max_size, max_files));
}

absl::Status JsonLogger::Rotate() {
  if (max_files_ >= 2) {
    std::string last = absl::StrCat(path_, ".", max_files_ - 1);
    if (::unlink(last.c_str()) != 0 && errno != ENOENT) {
      return base::ErrnoError(errno, absl::StrCat("remove ", last));
    }
    for (int i = max_files_ - 1; i > 1; --i) {
      std::string to = absl::StrCat(path_, ".", i);
      std::string from = absl::StrCat(path_, ".", i - 1);
      if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
        return base::ErrnoError(errno, absl::StrCat("rename ", from));
      }
    }
    std::string first = absl::StrCat(path_, ".1");
    if (::rename(path_.c_str(), first.c_str()) != 0 && errno != ENOENT) {
      return base::ErrnoError(errno, absl::StrCat("rename ", path_));
    }
  }
  base::UniqueFd fd(
      ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd.valid()) return base::ErrnoError(errno, absl::StrCat("open ", path_));
  fd_ = std::move(fd);
  size_ = 0;
  return absl::OkStatus();
}

absl::Status JsonLogger::Emit(absl::string_view log, LogStream stream, absl::Time now) {
  if (max_size_ >= 0 && size_ >= max_size_) {
    absl::Status s = Rotate();
    if (!s.ok()) return s;
  }
  std::string line = FormatLogEntry(log, stream, now);
  absl::Status s = base::WriteAll(fd_.get(), line, path_);
  if (s.ok()) size_ += static_cast<int64_t>(line.size());
  return s;
}

absl::Status JsonLogger::Write(LogStream stream, absl::string_view data, absl::Time now) {
  std::string& pending = pending_[static_cast<int>(stream)];
  absl::Status result;
  auto emit = [&](absl::string_view piece) {
    absl::Status s;
    if (pending.empty()) {
      s = Emit(piece, stream, now);
    } else {
      pending.append(piece.data(), piece.size());
      s = Emit(pending, stream, now);
      pending.clear();
    }
    if (result.ok()) result = s;
  };
  while (!data.empty()) {
    size_t nl = data.find('\n');
    size_t segment = nl == absl::string_view::npos ? data.size() : nl + 1;
    size_t room = kMaxLineBuffer - pending.size();
    if (segment > room) {
      // The line does not fit the buffer: write what fits as a partial entry.
      emit(data.substr(0, room));
      data.remove_prefix(room);
      continue;
    }
    if (nl == absl::string_view::npos) {
      pending.append(data.data(), data.size());
      if (pending.size() == kMaxLineBuffer) emit(absl::string_view());
      break;
    }
    emit(data.substr(0, segment));
    data.remove_prefix(segment);
  }
  // Release the buffer's memory once it is idle: a shim is kept small.
  if (pending.empty() && pending.capacity() > 256) std::string().swap(pending);
  return result;
}

absl::Status JsonLogger::Flush(LogStream stream, absl::Time now) {
  std::string& pending = pending_[static_cast<int>(stream)];
  if (pending.empty()) return absl::OkStatus();
  absl::Status s = Emit(pending, stream, now);
  std::string().swap(pending);
  return s;
}

}  // namespace shim
