#include "backend/seccomp/libseccomp_util.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

#include "backend/seccomp/filter.h"

namespace ward::backend::seccomp {

std::optional<std::string> exportFilter(scmp_filter_ctx ctx, bool pfc, std::string* error) {
  const int fd = memfd_create(pfc ? "ward-seccomp-pfc" : "ward-seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0) {
    if (error) *error = std::string("memfd_create: ") + std::strerror(errno);
    return std::nullopt;
  }
  const int rc = pfc ? seccomp_export_pfc(ctx, fd) : seccomp_export_bpf(ctx, fd);
  if (rc < 0) {
    if (error) *error = std::string(pfc ? "seccomp_export_pfc: " : "seccomp_export_bpf: ") + std::strerror(-rc);
    close(fd);
    return std::nullopt;
  }
  std::string out;
  if (lseek(fd, 0, SEEK_SET) < 0) {
    if (error) *error = std::string("lseek: ") + std::strerror(errno);
    close(fd);
    return std::nullopt;
  }
  char buf[8192];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (error) *error = std::string("read: ") + std::strerror(errno);
      close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return out;
}

scmp_compare compareOp(ir::ArgCondition::Op op) {
  switch (op) {
    case ir::ArgCondition::Op::Eq: return SCMP_CMP_EQ;
    case ir::ArgCondition::Op::Ne: return SCMP_CMP_NE;
    case ir::ArgCondition::Op::Lt: return SCMP_CMP_LT;
    case ir::ArgCondition::Op::Le: return SCMP_CMP_LE;
    case ir::ArgCondition::Op::Gt: return SCMP_CMP_GT;
    case ir::ArgCondition::Op::Ge: return SCMP_CMP_GE;
    case ir::ArgCondition::Op::MaskedEq: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

const char* compareOpName(ir::ArgCondition::Op op) {
  switch (op) {
    case ir::ArgCondition::Op::Eq: return "SCMP_CMP_EQ";
    case ir::ArgCondition::Op::Ne: return "SCMP_CMP_NE";
    case ir::ArgCondition::Op::Lt: return "SCMP_CMP_LT";
    case ir::ArgCondition::Op::Le: return "SCMP_CMP_LE";
    case ir::ArgCondition::Op::Gt: return "SCMP_CMP_GT";
    case ir::ArgCondition::Op::Ge: return "SCMP_CMP_GE";
    case ir::ArgCondition::Op::MaskedEq: return "SCMP_CMP_MASKED_EQ";
  }
  return "SCMP_CMP_EQ";
}

const char* actionName(const ir::Action& a) {
  switch (a.kind) {
    case ir::Action::Kind::Allow: return "SCMP_ACT_ALLOW";
    case ir::Action::Kind::Errno: return "SCMP_ACT_ERRNO";
    case ir::Action::Kind::KillProcess: return "SCMP_ACT_KILL_PROCESS";
    case ir::Action::Kind::KillThread: return "SCMP_ACT_KILL_THREAD";
    case ir::Action::Kind::Trap: return "SCMP_ACT_TRAP";
    case ir::Action::Kind::Log: return "SCMP_ACT_LOG";
    case ir::Action::Kind::Notify: return "SCMP_ACT_NOTIFY";
  }
  return "SCMP_ACT_KILL_PROCESS";
}

std::optional<ir::ArgCondition::Op> parseCompareOpName(std::string_view name) {
  using Op = ir::ArgCondition::Op;
  for (Op op : {Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::MaskedEq})
    if (name == compareOpName(op)) return op;
  return std::nullopt;
}

std::vector<std::string> knownSyscallNames(const std::vector<std::string>& arches) {
  // libseccomp has no "list every name" call: walk each arch's number space (below 1024 on x86_64 and
  // x86; x32's calls carry __X32_SYSCALL_BIT) and keep the names it resolves.
  std::set<std::string> names;
  for (const auto& a : arches) {
    const auto token = archToken(a);
    if (!token) continue;
    const int bit = *token == SCMP_ARCH_X32 ? 0x40000000 : 0;
    for (int n = 0; n < 1024; ++n) {
      char* s = seccomp_syscall_resolve_num_arch(*token, n | bit);
      if (!s) continue;
      names.insert(s);
      std::free(s);
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace ward::backend::seccomp
