#include "cli/output/table.h"

#include <algorithm>
#include <utility>

namespace cli {
namespace {

constexpr size_t kPadding = 3;

size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // count all but UTF-8 continuation bytes
  }
  return n;
}

}  // namespace

Table::Table(std::vector<std::string> header, size_t min_width)
    : min_width_(min_width) {
  if (!header.empty()) rows_.push_back(std::move(header));
}

void Table::AddRow(std::vector<std::string> cells) {
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  size_t columns = 0;
  for (const auto& row : rows_) columns = std::max(columns, row.size());
  std::vector<size_t> widths(columns, 0);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  for (size_t& w : widths) w = std::max(w + kPadding, min_width_);

  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < columns; ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      line += cell;
      if (i + 1 < columns) line.append(widths[i] - DisplayWidth(cell), ' ');
    }
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace cli
