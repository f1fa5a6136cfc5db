// The server loop: a reader thread frames and parses messages (and handles $/cancelRequest and exit the
// moment they arrive); the worker thread handles the rest in order and, whenever it has caught up with the
// queue, checks the documents that changed and publishes their diagnostics. A burst of edits is thus
// checked once, and a request queued behind a cancellation is answered RequestCancelled.
#include "lsp/server.h"

#include <signal.h>
#include <unistd.h>

#include <climits>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "lsp/escapes.h"
#include "lsp/transport.h"
#include "lsp/workspace.h"
#include "ward/config.h"

namespace ward::lsp {

namespace {

void log(const std::string& s) {
  std::string line = "ward lsp: " + s + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

json capabilities() {
  return {
      {"positionEncoding", "utf-16"},
      {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
      {"hoverProvider", true},
      {"completionProvider", {{"triggerCharacters", {"@", "."}}, {"resolveProvider", false}}},
      {"definitionProvider", true},
      {"documentSymbolProvider", true},
      {"documentFormattingProvider", true},
      {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
  };
}

struct Verified {  // the verifier thread's result for one job
  VerifyJob job;
  Diagnostics findings;
};

struct Incoming {
  json message;
  bool end = false;  // the input ended (or `exit` arrived): stop after what is queued
  std::shared_ptr<Verified> verified;  // set: not a message but the verifier's findings
};

class Server {
 public:
  Server(int outFd, const ServerOptions& options) : out_(outFd), ws_(options), verbose_(options.verbose),
                                                    maxBytes_(options.maxMessageBytes) {
    gate_.baseline = options.baseline;
    gate_.load.includeDirs = options.includeDirs;
    gate_.load.wardPath = options.wardPath;
    gate_.load.executableDir = options.executableDir;
  }

  int run(int inFd) {
    std::thread reader([&] { readLoop(inFd); });
    std::thread verifier([&] { verifyLoop(); });
    workLoop();
    {
      std::lock_guard<std::mutex> lock(vmutex_);
      vstop_ = true;
    }
    vcv_.notify_one();
    verifier.join();
    reader.join();
    return exitCode_;
  }

 private:
  // ---- reader thread ----
  void readLoop(int inFd) {
    FrameReader frames(inFd, maxBytes_);
    std::vector<Frame> batch;
    bool more = true;
    while (more) {
      batch.clear();
      more = frames.readSome(batch);
      std::vector<json> messages;
      for (auto& f : batch) {
        if (f.kind == Frame::Kind::BadHeader) {
          log("skipped a header without a valid Content-Length");
          continue;
        }
        if (f.kind == Frame::Kind::Oversized) {
          log(fmt::format("skipped a message larger than {} bytes", maxBytes_));
          reply(nullptr, rpc::kInvalidRequest, "message too large");
          continue;
        }
        json j = json::parse(f.body, nullptr, false);
        if (j.is_discarded()) {
          log("skipped a body that is not JSON");
          reply(nullptr, rpc::kParseError, "parse error: the body is not JSON");
          continue;
        }
        messages.push_back(std::move(j));
      }
      // Enqueue the batch under one lock, cancellations first: a request and its cancellation read
      // together never race.
      std::lock_guard<std::mutex> lock(mutex_);
      // A method that is not a string is "" here (json::value would throw on this thread and end the
      // process); the dispatcher answers such a message with InvalidRequest.
      auto methodOf = [](const json& m) -> std::string {
        if (!m.is_object()) return "";
        auto it = m.find("method");
        return it != m.end() && it->is_string() ? it->get<std::string>() : "";
      };
      for (const auto& m : messages)
        if (methodOf(m) == "$/cancelRequest" && m.contains("params") &&
            m["params"].is_object() && m["params"].contains("id"))
          cancelled_.insert(m["params"]["id"].dump());
      if (cancelled_.size() > 4096) cancelled_.clear();  // ids of requests answered long ago
      for (auto& m : messages) {
        if (methodOf(m) == "$/cancelRequest") continue;
        const bool exit = methodOf(m) == "exit";
        queue_.push_back({std::move(m), false, nullptr});
        if (exit) {
          more = false;
          break;
        }
      }
      if (!more) {
        if (frames.pending() > 0) log("the input ended in the middle of a message");
        queue_.push_back({json(), true, nullptr});
      }
      cv_.notify_one();
    }
  }

  // ---- verifier thread: one job at a time, only the latest job per document ----
  void verifyLoop() {
    auto catalog = ws_.verifier();
    const backend::Options hostFiles = ws_.options().hostFiles;
    for (;;) {
      VerifyJob job;
      {
        std::unique_lock<std::mutex> lock(vmutex_);
        vcv_.wait(lock, [&] { return vstop_ || !vjobs_.empty(); });
        if (vstop_) return;
        job = std::move(vjobs_.begin()->second);
        vjobs_.erase(vjobs_.begin());
      }
      auto result = std::make_shared<Verified>();
      try {
        runVerifyJob(job, *catalog, result->findings, hostFiles, editorGate());
      } catch (const std::exception& e) {
        log(std::string("verifier failed: ") + e.what());
        continue;
      } catch (...) {
        continue;
      }
      result->job = std::move(job);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back({json(), false, std::move(result)});
      }
      cv_.notify_one();
    }
  }

  void submitVerification() {
    auto jobs = ws_.takeVerifyJobs();
    if (jobs.empty()) return;
    {
      std::lock_guard<std::mutex> lock(vmutex_);
      for (auto& j : jobs) vjobs_[j.uri] = std::move(j);  // a newer check replaces a queued one
    }
    vcv_.notify_one();
  }

  // ---- worker ----
  void workLoop() {
    for (;;) {
      Incoming in;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (queue_.empty()) {
          lock.unlock();
          flush();  // caught up: check what changed
          lock.lock();
        }
        cv_.wait(lock, [&] { return !queue_.empty(); });
        in = std::move(queue_.front());
        queue_.pop_front();
      }
      if (in.end) {
        exitCode_ = shutdown_ ? 0 : 1;
        return;
      }
      if (in.verified) {
        try {
          ws_.applyVerifyResult(in.verified->job, in.verified->findings,
                                [&](const json& p) { notify("textDocument/publishDiagnostics", p); });
        } catch (const std::exception& e) {
          log(std::string("verifier findings dropped: ") + e.what());
        }
        continue;
      }
      if (handleOne(in.message)) return;
    }
  }

  void flush() {
    if (!initialized_ || shutdown_) return;
    auto publish = [&](const json& p) { notify("textDocument/publishDiagnostics", p); };
    try {
      ws_.checkDirty(publish);
      submitVerification();  // its findings follow in a second publish
    } catch (const std::exception& e) {
      log(std::string("check failed: ") + e.what());
    }
  }

  // Returns true when the server must stop (exit).
  bool handleOne(const json& m) {
    if (!m.is_object()) {
      reply(nullptr, rpc::kInvalidRequest, "a message must be a JSON object");
      return false;
    }
    const bool hasId = m.contains("id") && (m["id"].is_number_integer() || m["id"].is_string());
    if (!m.contains("method") || !m["method"].is_string()) {
      if (hasId && (m.contains("result") || m.contains("error"))) return false;  // a response: we sent no requests
      reply(hasId ? m["id"] : json(), rpc::kInvalidRequest, "no method");
      return false;
    }
    const std::string method = m["method"].get<std::string>();
    const json params = m.contains("params") ? m["params"] : json::object();
    if (verbose_) log((hasId ? "request " : "notification ") + method);
    if (method == "exit") {
      exitCode_ = shutdown_ ? 0 : 1;
      return true;
    }
    if (hasId) {
      const json id = m["id"];
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (cancelled_.erase(id.dump())) {
          reply(id, rpc::kRequestCancelled, "cancelled");
          return false;
        }
      }
      try {
        json result = request(method, params);
        respond(id, std::move(result));
      } catch (const RequestError& e) {
        reply(id, e.code, e.message);
      } catch (const json::exception& e) {
        reply(id, rpc::kInvalidParams, std::string("invalid params: ") + e.what());
      } catch (const std::exception& e) {
        log(method + " failed: " + e.what());
        reply(id, rpc::kInternalError, std::string("internal error: ") + e.what());
      } catch (...) {
        reply(id, rpc::kInternalError, "internal error");
      }
    } else {
      try {
        notification(method, params);
      } catch (const std::exception& e) {
        log(method + " ignored: " + e.what());
      } catch (...) {
        log(method + " ignored");
      }
    }
    return false;
  }

  json request(const std::string& method, const json& params) {
    if (method == "initialize") {
      if (initialized_) throw RequestError{rpc::kInvalidRequest, "initialize was already received"};
      initialized_ = true;
      if (params.is_object() && params.contains("initializationOptions") && params["initializationOptions"].is_object()) {
        const auto& io = params["initializationOptions"];
        if (io.contains("baseline") && io["baseline"].is_string()) setBaseline(io["baseline"].get<std::string>());
        if (io.contains("docsBaseUrl") && io["docsBaseUrl"].is_string()) {
          std::string url = io["docsBaseUrl"].get<std::string>();
          if (!url.empty() && url.back() != '/') url += '/';
          ws_.setDocsBaseUrl(std::move(url));
        }
      }
      return {{"capabilities", capabilities()}, {"serverInfo", {{"name", "ward"}, {"version", WARD_VERSION}}}};
    }
    if (!initialized_) throw RequestError{rpc::kServerNotInitialized, "the server is not initialized"};
    if (shutdown_) throw RequestError{rpc::kInvalidRequest, "the server is shutting down"};
    if (method == "shutdown") {
      shutdown_ = true;
      return nullptr;
    }
    auto publish = [&](const json& p) { notify("textDocument/publishDiagnostics", p); };
    if (method == "textDocument/hover") return ws_.hover(params);
    if (method == "textDocument/completion") return ws_.completion(params);
    if (method == "textDocument/definition") return ws_.definition(params);
    if (method == "textDocument/documentSymbol") return ws_.documentSymbol(params);
    if (method == "textDocument/formatting") return ws_.formatting(params);
    if (method == "textDocument/codeAction") return ws_.codeAction(params, publish);
    throw RequestError{rpc::kMethodNotFound, "method not found: " + method};
  }

  void notification(const std::string& method, const json& params) {
    if (!initialized_ || shutdown_) return;  // before initialize / after shutdown: dropped (exit is handled)
    if (method == "initialized") return;
    if (method == "textDocument/didOpen") {
      const auto& td = params.at("textDocument");
      ws_.open(td.at("uri").get<std::string>(), td.value("version", 0LL), td.at("text").get<std::string>());
    } else if (method == "textDocument/didChange") {
      const auto& td = params.at("textDocument");
      const std::string uri = td.at("uri").get<std::string>();
      if (!ws_.change(uri, td.value("version", 0LL), params.at("contentChanges")) && verbose_)
        log("didChange for a document that is not open: " + uri);
    } else if (method == "textDocument/didClose") {
      const std::string uri = params.at("textDocument").at("uri").get<std::string>();
      if (ws_.find(uri)) {
        ws_.close(uri);
        notify("textDocument/publishDiagnostics", {{"uri", uri}, {"diagnostics", json::array()}});
      }
    } else if (method == "textDocument/didSave") {
      ws_.saved(params.at("textDocument").at("uri").get<std::string>());
    } else if (method == "workspace/didChangeConfiguration") {   // {"settings": {"ward": {"baseline": "..."}}}
      const json* b = params.is_object() && params.contains("settings") ? &params["settings"] : nullptr;
      if (b && b->is_object() && b->contains("ward") && (*b)["ward"].is_object()) b = &(*b)["ward"];
      if (b && b->is_object() && b->contains("baseline") && (*b)["baseline"].is_string())
        setBaseline((*b)["baseline"].get<std::string>());
    }
    // Any other notification ($/setTrace, ...) is ignored.
  }

  // The no-widening gate's baseline (ServerOptions::baseline); read by the verifier thread per job.
  void setBaseline(std::string file) {
    std::lock_guard<std::mutex> lock(vmutex_);
    gate_.baseline = std::move(file);
  }
  EditorGate editorGate() {
    std::lock_guard<std::mutex> lock(vmutex_);
    return gate_;
  }

  void respond(const json& id, json result) {
    out_.send({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
  }
  void reply(const json& id, int code, const std::string& message) {
    out_.send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
  }
  void notify(const std::string& method, const json& params) {
    out_.send({{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
  }

  FrameWriter out_;
  Workspace ws_;
  bool verbose_;
  std::size_t maxBytes_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Incoming> queue_;
  std::set<std::string> cancelled_;
  std::mutex vmutex_;
  std::condition_variable vcv_;
  std::map<std::string, VerifyJob> vjobs_;
  bool vstop_ = false;
  EditorGate gate_;   // guarded by vmutex_
  bool initialized_ = false;
  bool shutdown_ = false;
  int exitCode_ = 1;
};

}  // namespace

ServerOptions defaultOptions() {
  ServerOptions o;
  if (const char* p = std::getenv("WARD_PATH")) o.wardPath = std::string(p);
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) o.executableDir = exe.parent_path().string();
  if (const char* v = std::getenv("WARD_LSP_VERBOSE")) o.verbose = std::string(v) == "1";
  o.hostFiles = driver::hostFilesFromEnvironment();
  return o;
}

int serve(int inFd, int outFd) { return serve(inFd, outFd, defaultOptions()); }

int serve(int inFd, int outFd, const ServerOptions& options) {
  // Writing to a client that went away must not kill the process with SIGPIPE: the server's threads block
  // it (a thread-directed SIGPIPE is then discarded with the thread) and see EPIPE instead.
  int rc = 1;
  std::thread main([&] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    try {
      Server server(outFd, options);
      rc = server.run(inFd);
    } catch (const std::exception& e) {
      log(std::string("fatal: ") + e.what());
      rc = 1;
    } catch (...) {
      rc = 1;
    }
  });
  main.join();
  return rc;
}

}  // namespace ward::lsp
