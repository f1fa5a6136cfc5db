#pragma once
// Small RAII and export helpers around libseccomp (shared by the seccomp backend, the importer's
// runc-compatible compile and the tests).
#include <seccomp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/policy.h"

namespace ward::backend::seccomp {

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(static_cast<scmp_filter_ctx>(ctx)); }
};
using CtxPtr = std::unique_ptr<void, CtxDeleter>;

// Runs seccomp_export_bpf (pfc = false) or seccomp_export_pfc (pfc = true) into a memfd and returns the
// bytes; nullopt with *error on failure.
// libseccomp's comparison (SCMP_CMP_*) for ward's.
scmp_compare compareOp(ir::ArgCondition::Op op);
// libseccomp's name of a comparison ("SCMP_CMP_MASKED_EQ"), as LXC's seccomp v2 files and the OCI JSON
// form write it.
const char* compareOpName(ir::ArgCondition::Op op);
// An action as OCI/Docker profiles and runc name it ("SCMP_ACT_ERRNO"; the errno travels apart).
const char* actionName(const ir::Action& a);
// The inverse, for importing LXC and OCI/Docker profiles; nullopt for an unknown name.
std::optional<ir::ArgCondition::Op> parseCompareOpName(std::string_view name);

std::optional<std::string> exportFilter(scmp_filter_ctx ctx, bool pfc, std::string* error);

// Every system call name libseccomp knows a number for on one of `arches` ("x86_64", "x86", "x32"),
// sorted and unique: the calls a profile must name to decide each one itself (the Docker form, whose
// engines may not honour the default errno).
std::vector<std::string> knownSyscallNames(const std::vector<std::string>& arches);

}  // namespace ward::backend::seccomp
