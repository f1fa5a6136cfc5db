// The seccomp comparison against the real kernel: for a distinguishing cell the diff reports, both filters
// are loaded (each in a forked child, as in tests/unit/backend/seccomp_kernel_test.cpp) and the call is made
// with the cell's arguments: the kernel must return the two different actions the diff says.
#include <gtest/gtest.h>

#include "emit_target.h"
#include "../backend/seccomp_test_util.h"
#include "backend/backend.h"
#include "diff/diff.h"
#include "driver/driver.h"
#include "lower/lower.h"

namespace {

std::string bpfOf(const std::string& text) {
  ward::driver::Session s;
  ward::driver::LoadOptions o;
  o.includeDirs = {std::string(WARD_SOURCE_DIR) + "/stdlib"};
  auto l = ward::driver::loadText(s, "/nonexistent/k.ward", text, o);
  EXPECT_TRUE(l.ok);
  if (l.policies.empty()) return {};
  auto p = ward::lower::lower(l.policies.back(), s.diags);
  if (!p) return {};
  ward::backend::Options bo;
  bo.allocate = false;
  for (auto& a : ward::testing::emitTarget("seccomp", *p, bo, s.diags))
    if (a.fileName == p->name() + ".bpf") return a.content;
  return {};
}

long expectedResult(std::uint32_t ret) {
  using namespace ward::backend::seccomp::bpf;
  if ((ret & kRetActionFull) == kRetErrno) return -static_cast<long>(ret & kRetData);
  return 1;   // allowed: the call runs (its own result, checked as "not this errno")
}

}  // namespace

TEST(DiffKernel, DistinguishingCellGetsBothActions) {
  const std::string oldText = "import \"std/base\";\npolicy p extends base.unprivileged {}\n";
  const std::string newText =
      "import \"std/base\";\npolicy p extends base.unprivileged { syscalls { allow setns(arg1 == 0x4000000); } }\n";
  const std::string a = bpfOf(oldText), b = bpfOf(newText);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  auto cells = ward::diff::seccompCells(a, b);
  ASSERT_TRUE(cells.has_value());
  const ward::diff::SeccompCell* cell = nullptr;
  for (const auto& c : *cells)
    if (c.arch == "x86_64" && c.syscall == "setns") cell = &c;
  ASSERT_NE(cell, nullptr) << "the diff found no setns cell";
  EXPECT_EQ(cell->args[1], 0x4000000u);   // CLONE_NEWUTS: the one value the new rule allows
  WARD_REQUIRE(ward::seccomp_test::runInChild(a, {}).loaded, "seccomp filters cannot be loaded here");
  auto call = [cell] {
    return ward::seccomp_test::sys(cell->nr, static_cast<long>(cell->args[0]), static_cast<long>(cell->args[1]));
  };
  auto underOld = ward::seccomp_test::runInChild(a, {call});
  auto underNew = ward::seccomp_test::runInChild(b, {call});
  ASSERT_EQ(underOld.results.size(), 1u);
  ASSERT_EQ(underNew.results.size(), 1u);
  EXPECT_EQ(underOld.results[0], expectedResult(cell->oldRet));   // base: setns denied with its errno
  EXPECT_NE(underNew.results[0], expectedResult(cell->oldRet));   // allowed: the kernel's own answer (EINVAL/EBADF)
  EXPECT_EQ(ward::diff::seccompDirection(cell->oldRet, cell->newRet), ward::diff::Direction::Wider);
}
