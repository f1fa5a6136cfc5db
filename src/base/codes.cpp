#include "base/codes.h"

namespace ward {

const std::vector<CodeInfo>& diagnosticCodes() {
  static const std::vector<CodeInfo> codes = {
      // syntax
      {"E0001", "syntax error"},
      {"E0002", "invalid character"},
      {"E0003", "nesting too deep"},
      {"E0004", "invalid UTF-8"},
      {"E0005", "unterminated string or comment"},
      {"E0006", "NUL byte in source"},
      {"E0007", "invalid escape in string"},
      {"E0008", "file too large"},
      {"E0009", "too many errors"},
      // modules, imports, extends
      {"E0101", "module not found"},
      {"E0102", "cyclic import"},
      {"E0103", "cyclic extends"},
      {"E0104", "unknown policy or fragment"},
      {"E0105", "cyclic syscall group"},
      {"E0106", "duplicate declaration"},
      {"E0107", "cannot read file"},
      {"E0108", "ambiguous module alias"},
      // unknown names
      {"E0201", "unknown section"},
      {"E0202", "unknown system call"},
      {"E0203", "unknown capability"},
      {"E0204", "unknown syscall group"},
      {"E0205", "unknown errno"},
      {"E0206", "unknown statement"},
      {"E0207", "unknown sysctl"},
      {"E0208", "unknown syscall argument or constant"},
      {"E0209", "unknown limit"},
      {"E0210", "unknown device"},
      {"E0211", "unknown policy"},
      {"E0212", "unknown architecture"},
      // values and units
      {"E0301", "value out of range"},
      {"E0302", "bad unit"},
      {"E0303", "numeric overflow"},
      {"E0304", "wrong kind of value"},
      {"E0305", "missing or extra value"},
      // conflicts
      {"E0401", "conflicting inherited values"},
      {"E0402", "value set twice"},
      {"E0403", "system call both allowed and denied"},
      {"E0404", "section repeated"},
      {"E0405", "contradictory settings"},
      // safety rules
      {"E0501", "privileged container not declared"},
      {"E0502", "relative path"},
      {"E0503", "'..' in path"},
      {"E0504", "sysctl is not namespaced"},
      {"E0505", "setting needs a privileged container"},
      // backends
      {"E1000", "unknown target"},
      {"E1001", "seccomp filter could not be built"},
      {"E1101", "AppArmor profile rejected"},
      {"E1201", "SELinux label invalid"},
      {"E1202", "MCS categories exhausted"},
      {"E1203", "MCS or id range registry error"},
      {"E1301", "LXC config could not be generated"},
      {"E1401", "OCI fragment could not be generated"},
      // I/O and driver
      {"E2001", "cannot write output"},
      {"E2002", "no policy to compile"},
      // warnings
      {"W0001", "unused import"},
      {"W0002", "redundant rule"},
      {"W0003", "setting opens a known escape"},
      // added by sema
      {"E0306", "argument condition cannot be expressed"},
      {"E2003", "internal error"},
      {"E2004", "escape catalog could not be loaded"},
      {"E2005", "configuration to audit could not be read"},
      {"W0005", "accept names no catalog entry"},
      {"W0004", "filter blocks a system call the container runtime needs"},
      {"E1204", "id range registry exhausted"},
      {"W0006", "io.weight is not applied on cgroup v1"},
      {"W0007", "inherited and own conditional syscall rules overlap"},
  };
  return codes;
}

const CodeInfo* findCode(std::string_view code) {
  for (const auto& c : diagnosticCodes())
    if (c.code == code) return &c;
  return nullptr;
}

}  // namespace ward
