#include "engine/runtime/log_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/unique_fd.h"
#include "rapidjson/document.h"

namespace engine::runtime {
namespace {

// Reads a file in chunks and hands out complete lines; remembers a partial
// last line until more arrives.
class LineReader {
 public:
  explicit LineReader(base::UniqueFd fd) : fd_(std::move(fd)) {}
  int fd() const { return fd_.get(); }

  // Reads what is available; calls `line` for each complete line.
  // Returns false on a read error.
  template <typename F>
  bool Drain(F&& line) {
    char buf[64 << 10];
    for (;;) {
      ssize_t n = read(fd_.get(), buf, sizeof(buf));
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      if (n == 0) return true;
      pending_.append(buf, static_cast<size_t>(n));
      size_t start = 0;
      for (;;) {
        size_t nl = pending_.find('\n', start);
        if (nl == std::string::npos) break;
        if (!line(absl::string_view(pending_).substr(start, nl - start))) {
          pending_.erase(0, nl + 1);
          stopped_ = true;
          return true;
        }
        start = nl + 1;
      }
      pending_.erase(0, start);
    }
  }
  bool stopped() const { return stopped_; }

 private:
  base::UniqueFd fd_;
  std::string pending_;
  bool stopped_ = false;
};

base::UniqueFd OpenLog(const std::string& path) {
  return base::UniqueFd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

}  // namespace

absl::StatusOr<LogLine> ParseLogLine(absl::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::InvalidArgumentError("log line is not a JSON object");
  }
  LogLine line;
  auto log = doc.FindMember("log");
  if (log == doc.MemberEnd() || !log->value.IsString()) {
    return absl::InvalidArgumentError("log line has no \"log\"");
  }
  line.data.assign(log->value.GetString(), log->value.GetStringLength());
  auto stream = doc.FindMember("stream");
  if (stream != doc.MemberEnd() && stream->value.IsString()) {
    line.is_stderr = absl::string_view(stream->value.GetString()) == "stderr";
  }
  auto time = doc.FindMember("time");
  if (time != doc.MemberEnd() && time->value.IsString()) {
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, time->value.GetString(), &line.time, &err)) {
      return absl::InvalidArgumentError(absl::StrCat("log line time: ", err));
    }
  }
  return line;
}

absl::StatusOr<int64_t> ParseTail(absl::string_view tail) {
  if (tail.empty() || tail == "all") return -1;
  int64_t n;
  if (!absl::SimpleAtoi(tail, &n) || n < 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid tail value: ", tail));
  }
  return n;
}

std::vector<std::string> LogFiles(const std::string& path) {
  std::vector<std::string> rotated;
  for (int i = 1;; ++i) {
    std::string p = absl::StrCat(path, ".", i);
    if (!base::PathExists(p)) break;
    rotated.push_back(std::move(p));
  }
  std::vector<std::string> files(rotated.rbegin(), rotated.rend());
  if (base::PathExists(path)) files.push_back(path);
  return files;
}

absl::Status ReadLogs(const std::string& path, const LogReadOptions& options,
                      const std::function<bool(const LogLine&)>& sink,
                      const std::function<bool()>& stop) {
  bool done = false;  // until passed, or the sink said stop
  bool sink_stopped = false;
  auto wanted = [&](const LogLine& line) {
    if (line.is_stderr ? !options.want_stderr : !options.want_stdout) return false;
    return line.time >= options.since;
  };
  // Lines that pass the filters, delivered at once or held for `tail`.
  std::deque<LogLine> held;
  bool holding = options.tail >= 0;
  auto offer = [&](absl::string_view text) {
    absl::StatusOr<LogLine> line = ParseLogLine(text);
    if (!line.ok()) return true;
    if (line->time > options.until) {
      done = true;
      return false;
    }
    if (!wanted(*line)) return true;
    if (holding) {
      if (options.tail == 0) return true;
      held.push_back(*std::move(line));
      if (static_cast<int64_t>(held.size()) > options.tail) held.pop_front();
      return true;
    }
    if (!sink(*line)) {
      done = sink_stopped = true;
      return false;
    }
    return true;
  };

  // Set up inotify before reading so that nothing written meanwhile is lost
  // between the last read and the first wait.
  base::UniqueFd inotify;
  std::string dir = path.substr(0, path.rfind('/'));
  if (options.follow) {
    inotify.reset(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!inotify.valid()) return base::ErrnoError(errno, "inotify_init1");
    if (inotify_add_watch(inotify.get(), dir.c_str(),
                          IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM) < 0) {
      return base::ErrnoError(errno, absl::StrCat("inotify_add_watch ", dir));
    }
  }

  // The old files, whole. Open the live file first so a rotation that
  // happens while we read is seen as an inode change.
  base::UniqueFd live = OpenLog(path);
  std::vector<std::string> files = LogFiles(path);
  for (const std::string& file : files) {
    if (done) break;
    if (file == path) break;
    base::UniqueFd fd = OpenLog(file);
    if (!fd.valid()) continue;
    LineReader reader(std::move(fd));
    if (!reader.Drain(offer)) return base::ErrnoError(errno, absl::StrCat("read ", file));
  }
  std::unique_ptr<LineReader> current;
  if (live.valid() && !done) {
    current = std::make_unique<LineReader>(std::move(live));
    if (!current->Drain(offer)) return base::ErrnoError(errno, absl::StrCat("read ", path));
  }
  if (holding) {
    holding = false;
    for (const LogLine& line : held) {
      if (!sink(line)) {
        done = sink_stopped = true;
        break;
      }
    }
    held.clear();
  }
  if (!options.follow || done) return absl::OkStatus();

  // Follow.
  bool last_round = false;
  for (;;) {
    if (stop && stop()) last_round = true;
    // Rotation: the path now names another file (or was created).
    struct stat now {};
    bool rotated = false;
    if (stat(path.c_str(), &now) == 0) {
      struct stat cur {};
      rotated = current == nullptr ||
                (fstat(current->fd(), &cur) == 0 &&
                 (cur.st_ino != now.st_ino || cur.st_dev != now.st_dev));
    }
    if (current != nullptr) {
      if (!current->Drain(offer)) return base::ErrnoError(errno, absl::StrCat("read ", path));
      if (done) return absl::OkStatus();
    }
    if (rotated) {
      base::UniqueFd fd = OpenLog(path);
      if (fd.valid()) {
        current = std::make_unique<LineReader>(std::move(fd));
        continue;  // read the new file at once
      }
    }
    if (last_round) return absl::OkStatus();
    pollfd pfd{inotify.get(), POLLIN, 0};
    int r = poll(&pfd, 1, 200);
    if (r < 0 && errno != EINTR) return base::ErrnoError(errno, "poll");
    if (r > 0) {
      char buf[4096];
      while (read(inotify.get(), buf, sizeof(buf)) > 0) {
      }
    }
  }
}

}  // namespace engine::runtime
