#include "lsp/transport.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <charconv>
#include <string_view>

namespace ward::lsp {

namespace {

constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
constexpr std::string_view kContentLength = "content-length:";

// Position of "content-length:" (case-insensitive) in s at or after `from`, or npos.
std::size_t findContentLength(std::string_view s, std::size_t from = 0) {
  for (std::size_t i = from; i + kContentLength.size() <= s.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != 'c') continue;
    bool match = true;
    for (std::size_t k = 1; k < kContentLength.size() && match; ++k)
      match = std::tolower(static_cast<unsigned char>(s[i + k])) == kContentLength[k];
    if (match) return i;
  }
  return std::string_view::npos;
}

// The Content-Length announced in a header block, or -1. Any line containing "Content-Length:" counts
// (so a header that follows garbage on the same line is still found); other header lines are ignored.
long long parseLength(std::string_view header) {
  long long length = -1;
  std::size_t pos = 0;
  while ((pos = findContentLength(header, pos)) != std::string_view::npos) {
    std::size_t i = pos + kContentLength.size();
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < header.size() && std::isdigit(static_cast<unsigned char>(header[j]))) ++j;
    std::size_t k = j;
    while (k < header.size() && (header[k] == ' ' || header[k] == '\t')) ++k;
    unsigned long long v = 0;
    const bool endOfLine = k == header.size() || header[k] == '\r' || header[k] == '\n';
    if (j > i && j - i <= 15 && endOfLine && std::from_chars(header.data() + i, header.data() + j, v).ec == std::errc{})
      length = static_cast<long long>(v);
    else
      length = -1;  // a later malformed value invalidates an earlier one: the peer is confused
    pos = j;
  }
  return length;
}

}  // namespace

bool FrameReader::readSome(std::vector<Frame>& out) {
  char chunk[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    feed(chunk, static_cast<std::size_t>(n), out);
    return true;
  }
}

void FrameReader::feed(const char* data, std::size_t size, std::vector<Frame>& out) {
  if (skip_ > 0) {  // discard an oversized body without buffering it
    std::size_t d = std::min(skip_, size);
    skip_ -= d;
    data += d;
    size -= d;
  }
  buffer_.append(data, size);
  extract(out);
}

void FrameReader::extract(std::vector<Frame>& out) {
  std::size_t consumed = 0;
  std::string_view buf(buffer_);
  for (;;) {
    std::string_view rest = buf.substr(consumed);
    if (inBody_) {
      if (rest.size() < bodyLength_) break;
      out.push_back({Frame::Kind::Message, std::string(rest.substr(0, bodyLength_))});
      consumed += bodyLength_;
      inBody_ = false;
      continue;
    }
    if (rest.empty()) break;
    // A header block ends with an empty line ("\r\n\r\n"; a bare "\n\n" is accepted too).
    std::size_t end = rest.find("\r\n\r\n");
    std::size_t termLen = 4;
    if (std::size_t alt = rest.find("\n\n"); alt != std::string_view::npos && (end == std::string_view::npos || alt < end)) {
      end = alt;
      termLen = 2;
    }
    if (end == std::string_view::npos) {
      if (rest.size() > kMaxHeaderBytes) {  // not a header: skip to the next plausible one
        out.push_back({Frame::Kind::BadHeader, {}});
        std::size_t next = findContentLength(rest, 1);
        if (next == std::string_view::npos) next = rest.size() - (kContentLength.size() - 1);
        consumed += next;
        continue;
      }
      break;
    }
    std::string_view header = rest.substr(0, end);
    long long length = parseLength(header);
    consumed += end + termLen;
    if (length < 0) {
      out.push_back({Frame::Kind::BadHeader, {}});
      continue;
    }
    if (static_cast<unsigned long long>(length) > maxBody_) {
      out.push_back({Frame::Kind::Oversized, {}});
      std::size_t avail = buf.size() - consumed;
      std::size_t d = std::min<std::size_t>(avail, static_cast<std::size_t>(length));
      consumed += d;
      skip_ = static_cast<std::size_t>(length) - d;
      continue;
    }
    inBody_ = true;
    bodyLength_ = static_cast<std::size_t>(length);
  }
  buffer_.erase(0, consumed);
}

bool FrameWriter::send(const nlohmann::json& message) {
  return sendRaw(message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool FrameWriter::sendRaw(const std::string& body) {
  std::string frame = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  frame += body;
  std::lock_guard<std::mutex> lock(mutex_);
  if (broken_) return false;
  const char* p = frame.data();
  std::size_t left = frame.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken_ = true;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace ward::lsp
