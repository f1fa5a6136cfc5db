// `ward import docker-run -- ARGS...`: a `docker run` / `podman run` command line as a .ward policy that
// starts from std/base's unprivileged container and says, line by line, what the command line gave the
// container: Docker's default capabilities (or what --cap-drop/--cap-add/--privileged left), its limits,
// sysctls, tmpfs and bind mounts, devices, network none, no-new-privileges off unless asked. Each statement
// carries the option it came from as a comment. Options that change nothing ward models (names, ports,
// environment, restart policy ...) are listed in the header; an option it does not know is an error, never
// silently dropped.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "backend/common/common.h"
#include "base/strings.h"
#include "import/import.h"

namespace ward::import {

namespace {

// Options that take a value and change nothing ward models.
const std::set<std::string>& ignoredWithValue() {
  static const std::set<std::string> s = {"--name", "-e", "--env", "--env-file", "-p", "--publish", "-w", "--workdir",
                                          "-h", "--hostname", "-l", "--label", "--entrypoint", "--restart", "--log-driver",
                                          "--log-opt", "--stop-signal", "--stop-timeout", "--add-host", "--dns",
                                          "--platform", "--pull", "--expose", "--domainname", "--runtime"};
  return s;
}
const std::set<std::string>& ignoredFlags() {
  static const std::set<std::string> s = {"-d", "--detach", "--rm", "-i", "--interactive", "-t", "--tty", "-it", "-ti",
                                          "--init", "-P", "--publish-all"};
  return s;
}
const std::set<std::string>& modelled() {
  static const std::set<std::string> s = {"--cap-add", "--cap-drop", "--security-opt", "--pids-limit", "--memory", "-m",
                                          "--memory-swap", "--cpus", "--cpu-shares", "-c", "--cpuset-cpus", "--ulimit",
                                          "--sysctl", "--tmpfs", "-v", "--volume", "--mount", "--device",
                                          "--device-cgroup-rule", "--network", "--net", "-u", "--user", "--userns",
                                          "--pid", "--ipc", "--uts", "--blkio-weight"};
  return s;
}

// Docker's 14 default capabilities (moby oci/caps/defaults.go).
const std::vector<std::string>& dockerCaps() {
  static const std::vector<std::string> v = {"chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid",
                                             "setuid", "setfcap", "setpcap", "net_bind_service", "sys_chroot", "kill",
                                             "audit_write"};
  return v;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "512m", "1g", "65536k", "1048576" -> bytes; nullopt when malformed.
std::optional<std::uint64_t> dockerBytes(std::string v) {
  if (v.empty()) return std::nullopt;
  std::uint64_t mult = 1;
  const char u = static_cast<char>(std::tolower(static_cast<unsigned char>(v.back())));
  if (u == 'b') v.pop_back();
  if (!v.empty()) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(v.back())));
    if (c == 'k' || c == 'm' || c == 'g' || c == 't') {
      mult = c == 'k' ? 1ULL << 10 : c == 'm' ? 1ULL << 20 : c == 'g' ? 1ULL << 30 : 1ULL << 40;
      v.pop_back();
    }
  }
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 15) return std::nullopt;
  const std::uint64_t n = std::stoull(v);
  if (n > ~std::uint64_t{0} / mult) return std::nullopt;
  return n * mult;
}

// ward's spelling of a size: the largest binary unit that divides it.
std::string wardBytes(std::uint64_t b) {
  for (auto [unit, name] : std::vector<std::pair<std::uint64_t, const char*>>{{1ULL << 40, "TiB"}, {1ULL << 30, "GiB"},
                                                                               {1ULL << 20, "MiB"}, {1ULL << 10, "KiB"}})
    if (b >= unit && b % unit == 0) return fmt::format("{}{}", b / unit, name);
  return fmt::format("{}B", b);
}

std::string wardString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

struct Parsed {
  std::set<std::string> caps;
  bool privileged = false, nnp = false, networkNone = false, hostNamespace = false;
  std::vector<std::string> identity, capabilities, limits, sysctls, mounts, devices, network, header;
  std::string image;
};

class Importer {
 public:
  Importer(Parsed& p, Diagnostics& d) : p_(p), d_(d) { p_.caps.insert(dockerCaps().begin(), dockerCaps().end()); }

  // `origin`: where the option came from, written as the statement's comment ("" = the option itself);
  // `at`: where errors point.
  bool option(const std::string& opt, const std::string& v, const std::string& origin = {}, Span at = {}) {
    at_ = at;
    const std::string from = "  // " + (origin.empty() ? opt + " " + v : origin);
    if (opt == "--cap-add" || opt == "--cap-drop") return capability(opt == "--cap-add", v);
    if (opt == "--security-opt") return securityOpt(v, from);
    if (opt == "--pids-limit") return number(v, opt) && add(p_.limits, "pids " + v + ";" + from);
    if (opt == "--memory" || opt == "-m" || opt == "--memory-swap") {
      auto b = dockerBytes(v);
      if (opt == "--memory-swap" && v == "-1") return add(p_.header, "--memory-swap -1: swap unlimited (ward: no swap limit)");
      if (!b) return bad(opt, v, "a size (1048576, 512m, 1g)");
      if (opt == "--memory-swap") {
        memorySwap_ = *b;
        return true;
      }
      memory_ = *b;
      return add(p_.limits, "memory " + wardBytes(*b) + ";" + from);
    }
    if (opt == "--cpus") return v.find_first_not_of("0123456789.") == std::string::npos && !v.empty()
                                    ? add(p_.limits, "cpu " + v + ";" + from) : bad(opt, v, "a number of CPUs");
    if (opt == "--cpu-shares" || opt == "-c")
      return number(v, opt) && add(p_.limits, fmt::format("cpu.weight {};{}", backend::common::cpuSharesToWeight(std::stoull(v)), from));
    if (opt == "--cpuset-cpus") return add(p_.limits, "cpuset " + wardString(v) + ";" + from);
    if (opt == "--blkio-weight") return number(v, opt) && add(p_.header, "--blkio-weight " + v + ": not imported (io.weight is per device class)");
    if (opt == "--ulimit") return ulimit(v, from);
    if (opt == "--sysctl") {
      auto eq = v.find('=');
      if (eq == std::string::npos) return bad(opt, v, "KEY=VALUE");
      return add(p_.sysctls, v.substr(0, eq) + " = " + wardString(v.substr(eq + 1)) + ";" + from);
    }
    if (opt == "--tmpfs") return tmpfs(v, from);
    if (opt == "-v" || opt == "--volume") return volume(v, from);
    if (opt == "--mount") return mount(v, from);
    if (opt == "--device") {
      auto parts = split(v, ':');
      std::string perms = parts.size() > 2 ? parts[2] : "rwm";
      return add(p_.devices, "allow " + wardString(parts.size() > 1 ? parts[1] : parts[0]) + " " + perms + ";" + from);
    }
    if (opt == "--device-cgroup-rule") return add(p_.header, "--device-cgroup-rule " + v + ": write it as a devices rule by hand");
    if (opt == "--network" || opt == "--net") {
      if (v == "none") return p_.networkNone = true;
      if (v == "host") p_.hostNamespace = true;
      return add(p_.header, opt + " " + v + ": ward's network section says what sockets the container uses (" +
                                (v == "host" ? "the host's network namespace is NS-HOST-NS" : "write listen/connect") + ")");
    }
    if (opt == "--pid" || opt == "--ipc" || opt == "--uts" || opt == "--userns") {
      if (v == "host") p_.hostNamespace = true;
      return add(p_.header, opt + " " + v + (v == "host" ? ": a host namespace; ward containers never share one" : ": ward's idmap auto applies"));
    }
    if (opt == "-u" || opt == "--user") return add(p_.header, opt + " " + v + ": the user is the image's business; ward keeps idmap auto");
    return add(p_.header, opt + " " + v + ": ignored");
  }

  void finish() {
    if (memorySwap_) {
      if (!memory_) p_.header.push_back("--memory-swap without --memory: not imported");
      else if (*memorySwap_ >= *memory_) p_.limits.push_back("swap " + wardBytes(*memorySwap_ - *memory_) + ";  // --memory-swap (memory+swap)");
    }
    if (p_.privileged) return;
    std::vector<std::string> keep;
    for (const auto& c : p_.caps) keep.push_back(c);
    if (!keep.empty())
      p_.capabilities.push_back(fmt::format("keep {};  // Docker's defaults with --cap-add/--cap-drop", fmt::join(keep, ", ")));
    // A parent's keep is inherited: what --cap-drop took from Docker's defaults is dropped explicitly, so that
    // std/base's own keeps (chown, setuid, ...) do not bring it back.
    std::vector<std::string> drop;
    for (const auto& c : dockerCaps())
      if (!p_.caps.count(c)) drop.push_back(c);
    std::sort(drop.begin(), drop.end());
    if (!drop.empty())
      p_.capabilities.push_back(fmt::format("drop {};  // --cap-drop: not kept, whatever the parent keeps", fmt::join(drop, ", ")));
  }

 private:
  Parsed& p_;
  Diagnostics& d_;
  std::optional<std::uint64_t> memory_, memorySwap_;
  Span at_;

  static bool add(std::vector<std::string>& to, std::string line) {
    to.push_back(std::move(line));
    return true;
  }
  bool bad(const std::string& opt, const std::string& v, const std::string& want) {
    d_.error(Code::E0304, at_, "docker run " + opt + " " + v + ": expected " + want);
    return false;
  }
  bool number(const std::string& v, const std::string& opt) {
    if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos && v.size() < 19) return true;
    return bad(opt, v, "a non-negative integer");
  }
  static std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
      if (c == sep) {
        out.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    out.push_back(cur);
    return out;
  }
  bool capability(bool addCap, std::string v) {
    v = lower(v);
    if (startsWith(v, "cap_")) v = v.substr(4);
    if (v == "all") {
      if (addCap) {
        p_.privileged = true;
        p_.identity.push_back("privileged \"imported: docker run --cap-add ALL\";");
        p_.capabilities.push_back("keep all;  // --cap-add ALL");
      } else {
        p_.caps.clear();
      }
      return true;
    }
    if (backend::common::capabilityNumber(v) < 0) {
      d_.error(Code::E0304, at_, "docker run --cap-" + std::string(addCap ? "add" : "drop") + " " + v + ": unknown capability");
      return false;
    }
    if (addCap) p_.caps.insert(v);
    else p_.caps.erase(v);
    return true;
  }
  bool securityOpt(std::string v, const std::string& from) {
    std::string norm = v;
    if (auto c = norm.find(':'); c != std::string::npos && norm.find('=') == std::string::npos) norm[c] = '=';
    if (norm == "no-new-privileges" || norm == "no-new-privileges=true") return p_.nnp = true;
    if (norm == "no-new-privileges=false") return true;
    if (startsWith(norm, "seccomp=")) {
      const std::string file = norm.substr(8);
      return add(p_.header, "--security-opt " + v + (file == "unconfined"
                                                         ? ": no seccomp filter; ward keeps std/base's"
                                                         : ": import the profile with `ward import docker-seccomp " + file + "`"));
    }
    if (startsWith(norm, "apparmor=") || startsWith(norm, "label=") || startsWith(norm, "systempaths="))
      return add(p_.header, "--security-opt " + v + ": ward writes its own AppArmor profile and SELinux label");
    (void)from;
    d_.error(Code::E0304, at_, "docker run --security-opt " + v + ": unknown security option");
    return false;
  }
  bool ulimit(const std::string& v, const std::string& from) {
    auto eq = v.find('=');
    if (eq == std::string::npos) return bad("--ulimit", v, "NAME=SOFT[:HARD]");
    auto vals = split(v.substr(eq + 1), ':');
    auto val = [](const std::string& x) { return x == "-1" ? std::string("unlimited") : x; };
    for (const auto& x : vals)
      if (x != "-1" && (x.empty() || x.find_first_not_of("0123456789") != std::string::npos)) return bad("--ulimit", v, "NAME=SOFT[:HARD]");
    return add(p_.limits, v.substr(0, eq) + " " + val(vals[0]) + (vals.size() > 1 ? " " + val(vals[1]) : "") + ";" + from);
  }
  bool tmpfs(const std::string& v, const std::string& from) {
    auto colon = v.find(':');
    std::string line = "tmpfs " + wardString(v.substr(0, colon));
    if (colon != std::string::npos)
      for (const auto& o : split(v.substr(colon + 1), ',')) {
        if (startsWith(o, "size=")) {
          auto b = dockerBytes(o.substr(5));
          if (!b) return bad("--tmpfs", v, "size=N");
          line += " size " + wardBytes(*b);
        } else if (startsWith(o, "mode=")) {
          std::string m = o.substr(5);
          if (m.empty() || m.find_first_not_of("01234567") != std::string::npos) return bad("--tmpfs", v, "mode=OCTAL");
          m.erase(0, std::min(m.find_first_not_of('0'), m.size() - 1));
          line += " mode 0o" + m;
        } else if (o == "ro") {
          line += " ro";
        }
      }
    return add(p_.mounts, line + ";" + from);
  }
  bool bind(const std::string& src, const std::string& dst, bool ro, const std::string& from) {
    if (src.empty() || src[0] != '/') return add(p_.header, "volume " + src + " at " + dst + ": a named volume, not imported");
    return add(p_.mounts, "bind " + wardString(src) + " at " + wardString(dst) + (ro ? " ro" : " rw") + ";" + from);
  }
  bool volume(const std::string& v, const std::string& from) {
    auto parts = split(v, ':');
    if (parts.size() < 2) return add(p_.header, "-v " + v + ": an anonymous volume, not imported");
    bool ro = parts.size() > 2 && parts[2].find("ro") != std::string::npos;
    return bind(parts[0], parts[1], ro, from);
  }
  bool mount(const std::string& v, const std::string& from) {
    std::map<std::string, std::string> kv;
    for (const auto& f : split(v, ',')) {
      auto eq = f.find('=');
      kv[f.substr(0, eq)] = eq == std::string::npos ? "true" : f.substr(eq + 1);
    }
    const std::string type = kv.count("type") ? kv["type"] : "volume";
    const std::string dst = kv.count("target") ? kv["target"] : kv.count("dst") ? kv["dst"] : kv["destination"];
    const std::string src = kv.count("source") ? kv["source"] : kv["src"];
    const bool ro = kv.count("readonly") || kv.count("ro");
    if (type == "tmpfs") return tmpfs(dst + (kv.count("tmpfs-size") ? ":size=" + kv["tmpfs-size"] : ""), from);
    if (type == "bind") return bind(src, dst, ro, from);
    return add(p_.header, "--mount " + v + ": a " + type + " mount, not imported");
  }
};

// The policy text for what the options gave the container.
std::string writePolicy(const Parsed& p, const std::string& header, const std::string& policyName) {
  std::string out = header;
  for (const auto& h : p.header) out += "// note: " + h + "\n";
  if (!p.image.empty()) out += "// image " + p.image + "\n";
  out += "import \"std/base\";\n\npolicy " + policyName + " extends base.unprivileged {\n";
  auto section = [&](const std::string& name, const std::vector<std::string>& lines) {
    if (lines.empty()) return;
    out += "  " + name + " {\n";
    for (const auto& l : lines) out += "    " + l + "\n";
    out += "  }\n";
  };
  std::vector<std::string> identity = p.identity;
  if (!p.nnp) identity.push_back("no_new_privs off;  // no --security-opt no-new-privileges");
  section("identity", identity);
  section("capabilities", p.capabilities);
  section("limits", p.limits);
  section("sysctl", p.sysctls);
  section("mounts", p.mounts);
  section("devices", p.devices);
  if (p.networkNone) section("network", {"none;  // --network none"});
  return out + "}\n";
}

}  // namespace

std::optional<Imported> importRunOptions(const std::vector<RunOption>& options, const RunSource& source,
                                         Diagnostics& diags) {
  Parsed p;
  p.image = source.image;
  Importer imp(p, diags);
  for (const auto& o : options) {
    if (o.option == "--privileged") {
      p.privileged = true;
      p.identity.push_back("privileged \"imported: " + (o.origin.empty() ? "docker run --privileged" : o.origin) + "\";");
      p.capabilities.push_back("keep all;  // " + (o.origin.empty() ? "--privileged" : o.origin));
      continue;
    }
    if (o.option == "--read-only") {   // a flag; --read-only=true|false as Docker's boolean flags take
      if (o.value == "false") continue;
      if (!o.value.empty() && o.value != "true") {
        diags.error(Code::E0304, o.at, source.tool + " --read-only=" + o.value + ": expected true or false");
        return std::nullopt;
      }
      p.mounts.insert(p.mounts.begin(), "root ro;  // " + (o.origin.empty() ? "--read-only" : o.origin));
      continue;
    }
    if (ignoredFlags().count(o.option) || ignoredWithValue().count(o.option)) continue;
    if (!modelled().count(o.option)) {
      diags.error(Code::E0304, o.at, source.tool + " option '" + o.option + "' is not known to `ward import " + source.command + "`");
      return std::nullopt;
    }
    if (!imp.option(o.option, o.value, o.origin, o.at)) return std::nullopt;
  }
  imp.finish();
  Imported r;
  r.ward = writePolicy(p, source.header, source.policyName);
  return r;
}

std::optional<Imported> importDockerRun(const std::vector<std::string>& args, const std::string& policyName,
                                        Diagnostics& diags) {
  RunSource source;
  source.policyName = policyName;
  std::vector<RunOption> options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (i == 0 && (a == "docker" || a == "podman" || endsWith(a, "/docker") || endsWith(a, "/podman"))) continue;
    if (a == "run" && i <= 1 && source.image.empty()) continue;
    if (!source.image.empty()) break;   // the image's command
    if (a.empty() || a[0] != '-') {
      source.image = a;
      continue;
    }
    std::string value;
    bool hasValue = false;
    if (auto eq = a.find('='); eq != std::string::npos && startsWith(a, "--")) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      hasValue = true;
    }
    const bool takes = ignoredWithValue().count(a) || modelled().count(a);
    if (takes && !hasValue) {
      if (i + 1 >= args.size()) {
        diags.error(Code::E0304, {}, "docker run " + a + " needs a value");
        return std::nullopt;
      }
      value = args[++i];
    }
    options.push_back({a, value, {}, {}});
  }
  source.header = "// Imported by `ward import docker-run` from:\n//   docker run";
  for (const auto& a : args) source.header += " " + a;
  source.header += "\n// std/base's unprivileged container, plus what the command line gave the container. Tighten from here;\n"
                   "// `ward check` says what is open.\n";
  return importRunOptions(options, source, diags);
}

}  // namespace ward::import
