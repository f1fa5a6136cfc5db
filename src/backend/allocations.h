#pragma once
// What the allocation step (backend/allocate.h) gives a policy before emission: the host resources its
// artifacts name. Plain values; emission reads them and nothing else of the host's state.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/source.h"

namespace ward::backend {

// The SELinux process label, user:role:type:level[:categories]. With `categories auto` the pair comes from
// the MCS registry; a check-only run for a container that has none yet gets the placeholder
// "...:s0:auto", which is not a valid context on purpose (a placeholder that leaked would fail closed).
struct SelinuxLabel {
  std::string text;
  bool placeholder = false;
};

// One id map line (LXC's lxc.idmap, OCI's uid/gidMappings), with its provenance.
struct IdRange {
  char kind = 'u';
  std::uint32_t inside = 0, outside = 0, count = 0;
  Span span;
  std::string why;
};

struct Allocations {
  // nullopt: the policy has no selinux section, or none of the targets carries a label.
  std::optional<SelinuxLabel> selinux;
  // The container's id maps: explicit ones as written, or the registered range of `idmap auto`; empty
  // when privileged or when none of the targets carries id maps.
  std::vector<IdRange> idmaps;
};

}  // namespace ward::backend
