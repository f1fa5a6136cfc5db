#include "backend/common/selinux_label.h"

#include "backend/selinux/selinux.h"

namespace ward::backend::common {

LabelResult selinuxLabel(const ir::Policy& policy, const Options& options) {
  LabelResult r;
  const auto& s = policy.selinux;
  if (!s.enabled) return r;
  if (!s.categoriesAuto) {
    std::string label = s.user + ":" + s.role + ":" + s.type + ":" + s.level;
    for (std::size_t i = 0; i < s.categories.size(); ++i)
      label += (i ? ",c" : ":c") + std::to_string(s.categories[i]);
    r.label = label;
    return r;
  }
  // `categories auto`: the pair from the MCS registry, through the SELinux backend's typed label.
  Diagnostics local;
  auto label = selinux::label(policy, options, local);
  if (local.hasErrors() || !label) {
    r.error = "the SELinux label could not be allocated";
    for (const auto& d : local.items())
      if (d.severity == Severity::Error) {
        r.error += ": " + d.message;
        break;
      }
    return r;
  }
  r.label = label->text;
  return r;
}

}  // namespace ward::backend::common
