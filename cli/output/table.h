// -----------------------------------------------------------------------------
// File: table.h
// -----------------------------------------------------------------------------
//
// Column-aligned text tables as the docker CLI renders them through Go's
// tabwriter (minwidth 10, padding 3, spaces): every column but the last is
// padded to max(widest cell + 3, 10) characters; the last is not padded.
//
//   Table t({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
//   t.AddRow({"alpine", "latest", "05455a08881e", "2 weeks ago", "7.38MB"});
//   std::cout << t.Render();
//
// Widths count UTF-8 code points, not bytes. Thread-compatible.

#ifndef CLI_OUTPUT_TABLE_H_
#define CLI_OUTPUT_TABLE_H_

#include <cstddef>
#include <string>
#include <vector>

namespace cli {

class Table {
 public:
  // `header` is the first row; an empty header prints no header line.
  // `min_width` is tabwriter's minwidth (docker top uses 20).
  explicit Table(std::vector<std::string> header, size_t min_width = 10);

  // Adds a row. Rows shorter than the header are padded with empty cells.
  void AddRow(std::vector<std::string> cells);

  // The table, one '\n'-terminated line per row (header first).
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
  size_t min_width_;
};

}  // namespace cli

#endif  // CLI_OUTPUT_TABLE_H_
