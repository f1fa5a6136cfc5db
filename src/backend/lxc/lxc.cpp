#include "backend/lxc/lxc.h"

#include <fmt/format.h>

#include <exception>

#include "backend/common/lxc_lines.h"

namespace ward::backend::lxc {

namespace {

// P.lxc.conf: each key with its provenance comment directly above it.
std::string render(const std::vector<common::LxcLine>& lines) {
  std::string out;
  for (const auto& l : lines) {
    switch (l.kind) {
      case common::LxcLine::Kind::Section: out += fmt::format("\n# ---- {}\n", l.text); break;
      case common::LxcLine::Kind::Note: out += fmt::format("# {}\n", l.text); break;
      case common::LxcLine::Kind::Key:
        out += "# " + l.text + "\n";
        out += l.value.empty() ? fmt::format("{} =\n", l.key) : fmt::format("{} = {}\n", l.key, l.value);
        break;
    }
  }
  return out;
}

}  // namespace

std::vector<Artifact> emit(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags) {
  const ir::Policy& policy = lowered.policy();
  try {
    Diagnostics local;
    std::string src = policy.sources.empty() ? std::string("?") : policy.sources[0].displayName;
    std::string out = fmt::format("# ward: LXC settings for policy \"{}\" from {}\n", policy.name, src);
    out += "# Include this file after the container's own settings so that its keys take effect:\n";
    out += fmt::format("#   lxc.include = {}\n", common::joinPath(options.artifactDir, policy.name + ".lxc.conf"));
    out += "# List keys (lxc.cap.*, lxc.mount.auto, lxc.net) are cleared before they are set. lxc.idmap is not:\n";
    out += "# the container's own config must not set it, and its rootfs must be owned by the mapped root.\n";
    out += render(common::lxcLines(lowered, allocations, options, {}, local));
    bool failed = local.hasErrors();
    diags.append(local);
    if (failed) return {};
    return {Artifact{policy.name + ".lxc.conf", std::move(out)}};
  } catch (const std::exception& e) {
    diags.error(Code::E1301, policy.span, std::string("LXC config could not be generated: ") + e.what());
  } catch (...) {
    diags.error(Code::E1301, policy.span, "LXC config could not be generated");
  }
  return {};
}

}  // namespace ward::backend::lxc
