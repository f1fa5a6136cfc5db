#pragma once
// LXD's REST API on its unix socket, through libcurl (CURLOPT_UNIX_SOCKET_PATH): the only HTTP code in
// ward. Responses are LXD's envelopes (docs/lxd.md, "The REST API on the unix socket"): sync (metadata),
// async (an operation, waited for here with GET /1.0/operations/ID/wait) or error (error_code, error).
// Library code: nothing is printed; every failure comes back as Response::error in plain words.
#include <string>

#include <nlohmann/json.hpp>

namespace ward::lxd {

struct Paths {
  std::string stateDir = "/var/lib/lxd";   // $LXD_DIR: unix.socket, security/seccomp/NAME
  std::string logDir = "/var/log/lxd";     // NAME/lxc.conf ($LXD_DIR/logs with LXD_DIR set)
  std::string socket() const { return stateDir + "/unix.socket"; }
};
// From LXD_DIR, as LXD itself does.
Paths pathsFromEnvironment();

struct Response {
  long status = 0;              // HTTP status
  nlohmann::json metadata;      // the envelope's metadata (a sync response, or the finished operation's)
  std::string etag;             // the ETag header, for If-Match
  std::string error;            // empty on success
  bool ok() const { return error.empty(); }
};

class Client {
 public:
  explicit Client(std::string socketPath) : socket_(std::move(socketPath)) {}
  Response get(const std::string& path) const { return request("GET", path, nullptr, {}); }
  // PUT, PATCH, POST, DELETE; an async answer is waited for (its operation's result is the response).
  Response request(const std::string& method, const std::string& path, const nlohmann::json& body,
                   const std::string& ifMatch) const;

 private:
  Response raw(const std::string& method, const std::string& path, const std::string& body,
               const std::string& ifMatch) const;
  std::string socket_;
};

}  // namespace ward::lxd
