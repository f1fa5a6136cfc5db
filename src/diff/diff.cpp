#include "diff/diff.h"

#include <algorithm>
#include <tuple>

#include "backend/seccomp/filter.h"
#include "base/diagnostics.h"

namespace ward::diff {

const char* layerName(Layer l) {
  switch (l) {
    case Layer::Capabilities: return "capabilities";
    case Layer::NoNewPrivs: return "no_new_privs";
    case Layer::Idmap: return "idmap";
    case Layer::Mounts: return "mounts";
    case Layer::Devices: return "devices";
    case Layer::Limits: return "limits";
    case Layer::Sysctls: return "sysctls";
    case Layer::Network: return "network";
    case Layer::LxcRaw: return "lxc";
    case Layer::Selinux: return "selinux";
    case Layer::Apparmor: return "apparmor";
    case Layer::Seccomp: return "seccomp";
  }
  return "?";
}

const char* directionName(Direction d) {
  switch (d) {
    case Direction::Wider: return "wider";
    case Direction::Narrower: return "narrower";
    case Direction::Changed: return "changed";
    case Direction::PossiblyWider: return "possibly-wider";
  }
  return "?";
}

bool Result::widened() const {
  return !errors.empty() ||
         std::any_of(differences.begin(), differences.end(), [](const Difference& d) { return widens(d.direction); });
}

namespace {

// The .bpf a side ships: the artifact when the caller has it, else the backend's own builder.
std::optional<std::string> filterOf(const Side& s, std::vector<std::string>& errors) {
  if (!s.bpf.empty()) return s.bpf;
  Diagnostics diags;
  auto f = backend::seccomp::buildFilter(*s.policy, {}, diags);
  if (!f) {
    errors.push_back("policy '" + s.policy->name + "': the seccomp filter did not build");
    return std::nullopt;
  }
  return f->bpf;
}

}  // namespace

Result compare(const Side& oldSide, const Side& newSide, const CompareOptions& options) {
  Result r;
  const ir::Policy& a = *oldSide.policy;
  const ir::Policy& b = *newSide.policy;
  Out& out = r.differences;
  compareCapabilities(a, b, out);
  compareIdentity(a, b, out);
  compareMounts(a, b, out);
  compareDevices(a, b, out);
  compareLimits(a, b, out);
  compareSysctls(a, b, out);
  compareNetwork(a, b, out);
  compareLxcRaw(a, b, out);
  compareSelinux(a, b, out);
  compareApparmor(a, b, out);
  if (options.confirmApparmor) confirmApparmor(a, b, options, r);
  auto fa = filterOf(oldSide, r.errors);
  auto fb = filterOf(newSide, r.errors);
  if (fa && fb) {
    std::string error;
    compareSeccomp(a, *fa, b, *fb, out, &error);
    if (!error.empty()) r.errors.push_back("seccomp: " + error);
  }
  std::stable_sort(out.begin(), out.end(), [](const Difference& x, const Difference& y) {
    return std::tie(x.layer, x.direction) < std::tie(y.layer, y.direction);
  });
  return r;
}

}  // namespace ward::diff
