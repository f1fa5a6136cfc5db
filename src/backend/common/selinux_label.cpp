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
  // `categories auto`: the SELinux backend allocates the pair and writes it to P.selinux.
  Diagnostics local;
  std::vector<Artifact> artifacts = selinux::emit(policy, options, local);
  if (local.hasErrors()) {
    r.error = "the SELinux label could not be allocated";
    for (const auto& d : local.items())
      if (d.severity == Severity::Error) {
        r.error += ": " + d.message;
        break;
      }
    return r;
  }
  for (const auto& a : artifacts) {
    if (a.fileName != policy.name + ".selinux") continue;
    std::string label = a.content;
    // The artifact may carry comment lines; the label is its first non-comment, non-empty line.
    std::size_t pos = 0;
    while (pos < label.size()) {
      std::size_t eol = label.find('\n', pos);
      std::string line = label.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
      pos = eol == std::string::npos ? label.size() : eol + 1;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      r.label = line;
      return r;
    }
  }
  r.error = "the SELinux backend returned no label for policy '" + policy.name + "'";
  return r;
}

}  // namespace ward::backend::common
