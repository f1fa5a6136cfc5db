#pragma once
// The base protocol of LSP: messages framed by a "Content-Length: N\r\n\r\n" header. The reader never
// trusts its input: a header block without a usable Content-Length is skipped (and the stream resynced at
// the next "Content-Length:"), a body larger than the limit is discarded without being buffered, and a
// body cut short by the end of the stream is dropped.
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ward::lsp {

struct Frame {
  enum class Kind {
    Message,    // `body` holds one complete message body
    Oversized,  // a body larger than the limit was announced; it is being skipped
    BadHeader,  // a header block without a usable Content-Length (skipped)
  };
  Kind kind = Kind::Message;
  std::string body;
};

class FrameReader {
 public:
  FrameReader(int fd, std::size_t maxBody) : fd_(fd), maxBody_(maxBody) {}
  // Blocks for one read(2) and appends every frame completed by it to `out`. Returns false at the end of
  // the stream (or on a read error); frames completed before it are still appended.
  bool readSome(std::vector<Frame>& out);
  // Feeds bytes directly (tests and fuzzing); appends completed frames.
  void feed(const char* data, std::size_t size, std::vector<Frame>& out);
  // Bytes of a partial frame still buffered (at the end of the stream: a truncated message).
  std::size_t pending() const { return buffer_.size(); }

 private:
  void extract(std::vector<Frame>& out);
  int fd_;
  std::size_t maxBody_;
  std::string buffer_;
  std::size_t skip_ = 0;           // bytes of an oversized body still to discard
  std::size_t bodyLength_ = 0;     // announced length of the body being collected
  bool inBody_ = false;
};

class FrameWriter {
 public:
  explicit FrameWriter(int fd) : fd_(fd) {}
  // Serializes and writes one message with its header; thread-safe. Invalid UTF-8 in strings is replaced,
  // never thrown. Returns false once the peer has gone away.
  bool send(const nlohmann::json& message);
  bool sendRaw(const std::string& body);

 private:
  std::mutex mutex_;
  int fd_;
  bool broken_ = false;
};

// The JSON-RPC error codes LSP uses.
namespace rpc {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerNotInitialized = -32002;
inline constexpr int kRequestFailed = -32803;
inline constexpr int kRequestCancelled = -32800;
}  // namespace rpc

}  // namespace ward::lsp
