#pragma once
// An in-memory client for the language server: two pipes and a thread running lsp::serve().
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lsp/server.h"
#include "lsp/transport.h"

namespace ward::lsp::test {

using json = nlohmann::json;

// The server as `ward lsp` runs it from this build tree (finds the source tree's stdlib), without the
// caller's WARD_PATH.
inline ServerOptions testOptions() {
  ServerOptions o = defaultOptions();
  o.executableDir = WARD_BINARY_DIR;
  o.wardPath.reset();
  return o;
}

class Harness {
 public:
  explicit Harness(ServerOptions options = testOptions()) {
    EXPECT_EQ(::pipe(toServer_), 0);
    EXPECT_EQ(::pipe(fromServer_), 0);
    thread_ = std::thread([this, options] {
      rc_ = serve(toServer_[0], fromServer_[1], options);
      ::close(fromServer_[1]);
    });
  }
  ~Harness() {
    if (thread_.joinable()) finish();
    ::close(fromServer_[0]);
    ::close(toServer_[0]);
  }

  void sendRaw(const std::string& bytes) {
    const char* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
      ssize_t n = ::write(toServer_[1], p, left);
      if (n <= 0) return;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  static std::string frame(const json& j) {
    std::string body = j.dump();
    return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  void send(const json& j) { sendRaw(frame(j)); }
  void notify(const std::string& method, const json& params) {
    send({{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
  }
  int sendRequest(const std::string& method, const json& params) {
    int id = nextId_++;
    send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
    return id;
  }

  // The next message from the server, or null after `timeoutMs`.
  json next(int timeoutMs = 20000) {
    if (!pending_.empty()) {
      json j = std::move(pending_.front());
      pending_.pop_front();
      return j;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
      std::vector<Frame> frames;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return nullptr;
      pollfd p{fromServer_[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) return nullptr;
      char buf[65536];
      ssize_t n = ::read(fromServer_[0], buf, sizeof buf);
      if (n <= 0) return nullptr;
      reader_.feed(buf, static_cast<std::size_t>(n), frames);
      for (auto& f : frames) pending_.push_back(json::parse(f.body));
      if (!pending_.empty()) return next(0);
    }
  }

  // Waits for the response to `id`, keeping notifications for later.
  json response(int id, int timeoutMs = 20000) {
    std::deque<json> skipped;
    json result;
    for (;;) {
      json j = next(timeoutMs);
      if (j.is_null()) break;
      if (j.contains("id") && j["id"] == id && !j.contains("method")) {
        result = std::move(j);
        break;
      }
      skipped.push_back(std::move(j));
    }
    for (auto it = skipped.rbegin(); it != skipped.rend(); ++it) pending_.push_front(std::move(*it));
    return result;
  }
  json request(const std::string& method, const json& params) { return response(sendRequest(method, params)); }

  // Waits for publishDiagnostics for `uri` (optionally of a given version); other messages are dropped.
  json diagnostics(const std::string& uri, std::int64_t version = -1, int timeoutMs = 30000) {
    for (;;) {
      json j = next(timeoutMs);
      if (j.is_null()) return nullptr;
      if (j.value("method", "") == "textDocument/publishDiagnostics" && j["params"]["uri"] == uri &&
          (version < 0 || j["params"].value("version", -1LL) == version))
        return j["params"];
    }
  }

  // Waits for a publishDiagnostics for `uri` that satisfies `pred`.
  template <class Pred>
  json diagnosticsWhere(const std::string& uri, Pred pred, int timeoutMs = 30000) {
    for (;;) {
      json j = next(timeoutMs);
      if (j.is_null()) return nullptr;
      if (j.value("method", "") == "textDocument/publishDiagnostics" && j["params"]["uri"] == uri && pred(j["params"]))
        return j["params"];
    }
  }

  json initialize() {
    json r = request("initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", json::object()}});
    notify("initialized", json::object());
    return r;
  }
  void open(const std::string& uri, const std::string& text, int version = 1) {
    notify("textDocument/didOpen", {{"textDocument", {{"uri", uri}, {"languageId", "ward"}, {"version", version}, {"text", text}}}});
  }
  void change(const std::string& uri, int version, const json& changes) {
    notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", version}}}, {"contentChanges", changes}});
  }
  static json pos(int line, int character) { return {{"line", line}, {"character", character}}; }
  static json at(const std::string& uri, int line, int character) {
    return {{"textDocument", {{"uri", uri}}}, {"position", pos(line, character)}};
  }

  // Closes the input and returns serve()'s exit code.
  int finish() {
    ::close(toServer_[1]);
    thread_.join();
    return rc_;
  }
  int shutdownAndExit() {
    json r = request("shutdown", nullptr);
    EXPECT_TRUE(r.contains("result"));
    notify("exit", nullptr);
    thread_.join();
    ::close(toServer_[1]);
    return rc_;
  }

 private:
  int toServer_[2]{-1, -1}, fromServer_[2]{-1, -1};
  std::thread thread_;
  int rc_ = -1;
  int nextId_ = 1;
  FrameReader reader_{-1, std::size_t{1} << 30};
  std::deque<json> pending_;
};

}  // namespace ward::lsp::test
