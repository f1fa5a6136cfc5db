#include "lxd/client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cstdlib>
#include <memory>
#include <mutex>

#include "base/strings.h"

namespace ward::lxd {

namespace {

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t header(char* data, std::size_t size, std::size_t n, void* out) {
  std::string_view line(data, size * n);
  if (line.size() > 5 && (line.substr(0, 5) == "ETag:" || line.substr(0, 5) == "Etag:" || line.substr(0, 5) == "etag:"))
    *static_cast<std::string*>(out) = std::string(trim(line.substr(5)));
  return size * n;
}

void initOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

Paths pathsFromEnvironment() {
  Paths p;
  if (const char* d = std::getenv("LXD_DIR"); d && *d) {
    p.stateDir = d;
    p.logDir = p.stateDir + "/logs";
  }
  return p;
}

Response Client::raw(const std::string& method, const std::string& path, const std::string& body,
                     const std::string& ifMatch) const {
  initOnce();
  Response r;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    r.error = "libcurl could not be initialised";
    return r;
  }
  std::string text;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  if (!ifMatch.empty()) headers = curl_slist_append(headers, ("If-Match: " + ifMatch).c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headerGuard(headers, curl_slist_free_all);
  const std::string url = "http://lxd" + path;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &text);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.etag);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (method != "GET") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  if (CURLcode rc = curl_easy_perform(c); rc != CURLE_OK) {
    r.error = fmt::format("{} {} on {}: {}", method, path, socket_, curl_easy_strerror(rc));
    return r;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  nlohmann::json env = nlohmann::json::parse(text, nullptr, false);
  if (env.is_discarded() || !env.is_object()) {
    r.error = fmt::format("{} {}: not an LXD response (HTTP {})", method, path, r.status);
    return r;
  }
  if (env.value("type", "") == "error" || r.status >= 400) {
    r.error = fmt::format("{} {}: LXD answered {} {}", method, path, env.value("error_code", r.status),
                          env.value("error", std::string("(no message)")));
    return r;
  }
  r.metadata = env.contains("metadata") ? env["metadata"] : nlohmann::json();
  if (env.value("type", "") == "async") r.metadata["__operation"] = env.value("operation", "");
  return r;
}

Response Client::request(const std::string& method, const std::string& path, const nlohmann::json& body,
                         const std::string& ifMatch) const {
  Response r = raw(method, path, body.is_null() ? std::string() : body.dump(), ifMatch);
  if (!r.ok() || !r.metadata.is_object() || !r.metadata.contains("__operation")) return r;
  // An async operation: wait for it, and report its failure as the request's.
  const std::string op = r.metadata["__operation"].get<std::string>();
  Response w = raw("GET", op + "/wait?timeout=120", {}, {});
  if (!w.ok()) return w;
  if (w.metadata.value("status", "") != "Success") {
    w.error = fmt::format("{} {}: the operation {} ended {}: {}", method, path, op, w.metadata.value("status", "?"),
                          w.metadata.value("err", std::string()));
  }
  return w;
}

}  // namespace ward::lxd
