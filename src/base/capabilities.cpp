#include "base/capabilities.h"

namespace ward {

const std::vector<std::string_view>& capabilityNames() {
  static const std::vector<std::string_view> names = {
      "chown",          "dac_override",   "dac_read_search", "fowner",       "fsetid",
      "kill",           "setgid",         "setuid",          "setpcap",      "linux_immutable",
      "net_bind_service", "net_broadcast", "net_admin",      "net_raw",      "ipc_lock",
      "ipc_owner",      "sys_module",     "sys_rawio",       "sys_chroot",   "sys_ptrace",
      "sys_pacct",      "sys_admin",      "sys_boot",        "sys_nice",     "sys_resource",
      "sys_time",       "sys_tty_config", "mknod",           "lease",        "audit_write",
      "audit_control",  "setfcap",        "mac_override",    "mac_admin",    "syslog",
      "wake_alarm",     "block_suspend",  "audit_read",      "perfmon",      "bpf",
      "checkpoint_restore"};
  return names;
}

int capabilityNumber(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  std::string_view n = lower;
  if (n.starts_with("cap_")) n.remove_prefix(4);
  const auto& names = capabilityNames();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == n) return static_cast<int>(i);
  return -1;
}

std::string capabilityName(int number) {
  const auto& names = capabilityNames();
  if (number < 0 || static_cast<std::size_t>(number) >= names.size()) return {};
  return std::string(names[static_cast<std::size_t>(number)]);
}

}  // namespace ward
