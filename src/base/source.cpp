#include "base/source.h"

#include <algorithm>
#include <tuple>

namespace ward {

Span Span::cover(const Span& o) const {
  if (!o.valid()) return *this;
  if (!valid()) return o;
  Span s = *this;
  if (o.begin < s.begin) { s.begin = o.begin; s.line = o.line; s.col = o.col; }
  if (o.end > s.end) { s.end = o.end; s.endLine = o.endLine; s.endCol = o.endCol; }
  return s;
}

FileId SourceManager::add(std::string displayName, std::string path, std::string text) {
  SourceFile f{std::move(displayName), std::move(path), std::move(text), {}};
  f.lineStarts.push_back(0);
  for (std::uint32_t i = 0; i < f.text.size(); ++i)
    if (f.text[i] == '\n') f.lineStarts.push_back(i + 1);
  files_.push_back(std::move(f));
  return static_cast<FileId>(files_.size() - 1);
}

std::optional<FileId> SourceManager::findByPath(std::string_view path) const {
  for (std::size_t i = 0; i < files_.size(); ++i)
    if (files_[i].path == path) return static_cast<FileId>(i);
  return std::nullopt;
}

std::optional<FileId> SourceManager::findByDisplayName(std::string_view name) const {
  for (std::size_t i = 0; i < files_.size(); ++i)
    if (files_[i].displayName == name) return static_cast<FileId>(i);
  return std::nullopt;
}

std::pair<std::uint32_t, std::uint32_t> SourceManager::lineCol(FileId id, std::uint32_t offset) const {
  const auto& f = files_.at(id);
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(f.text.size()));
  auto it = std::upper_bound(f.lineStarts.begin(), f.lineStarts.end(), offset);
  auto line = static_cast<std::uint32_t>(it - f.lineStarts.begin());  // 1-based
  return {line, offset - f.lineStarts[line - 1] + 1};
}

Span SourceManager::span(FileId id, std::uint32_t begin, std::uint32_t end) const {
  Span s;
  s.file = id;
  s.begin = begin;
  s.end = std::max(begin, end);
  std::tie(s.line, s.col) = lineCol(id, s.begin);
  std::tie(s.endLine, s.endCol) = lineCol(id, s.end);
  return s;
}

std::string_view SourceManager::lineText(FileId id, std::uint32_t line) const {
  const auto& f = files_.at(id);
  if (line == 0 || line > f.lineStarts.size()) return {};
  std::uint32_t b = f.lineStarts[line - 1];
  std::uint32_t e = line < f.lineStarts.size() ? f.lineStarts[line] : static_cast<std::uint32_t>(f.text.size());
  std::string_view v(f.text.data() + b, e - b);
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

}  // namespace ward
