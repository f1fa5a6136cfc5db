// The main() of every unit test binary (instead of gtest_main): makes the tests hermetic and proves it.
//  - Before any test runs, WARD_SUBUID, WARD_SUBGID and WARD_STATE_DIR (which the `ward` command reads,
//    docs/ward.1) name fixture files and a scratch directory, so a test that runs the ward binary never
//    sees the host's /etc/subuid, /etc/subgid or /var/lib/ward, whatever the caller's environment says.
//  - open(2), openat(2) and fopen(3) are wrapped (this executable's definitions come before libc's in
//    symbol lookup, for calls from ward's libraries and from libstdc++ alike): a test that opens one of
//    those host paths in process fails, naming the path. The guard's own test is HermeticGuard.* in
//    tests/unit/base.
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hermetic.h"

namespace ward::test {
namespace {

std::mutex& guardMutex() {
  static std::mutex m;
  return m;
}
std::vector<std::string>& opened() {
  static std::vector<std::string> v;
  return v;
}
thread_local bool inGuard = false;   // the guard's own allocations never re-enter it

void note(const char* path) {
  if (!path || inGuard) return;
  inGuard = true;
  std::string p(path);
  if (isHostPath(p)) {
    std::lock_guard<std::mutex> lock(guardMutex());
    opened().push_back(p);
  }
  inGuard = false;
}

// As glibc's __OPEN_NEEDS_MODE: only then does open(2) read its third argument.
bool needsMode(int flags) { return (flags & O_CREAT) != 0 || (flags & __O_TMPFILE) == __O_TMPFILE; }

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

std::string stateDir;

// Fails the test that opened a host path (the record is per test: cleared when each test starts).
class Guard : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo&) override { takeHostOpens(); }
  void OnTestEnd(const ::testing::TestInfo& info) override {
    for (const auto& p : takeHostOpens()) {
      std::fprintf(stderr, "[ HERMETIC ] %s.%s opened the host's %s (unit tests use fixtures: tests/support/hermetic.h)\n",
                   info.test_suite_name(), info.name(), p.c_str());
      failed = true;
    }
  }

 public:
  bool failed = false;
};

}  // namespace

std::string fixtureSubuid() { return std::string(WARD_SOURCE_DIR) + "/tests/fixtures/host/subuid"; }
std::string fixtureSubgid() { return std::string(WARD_SOURCE_DIR) + "/tests/fixtures/host/subgid"; }
std::string scratchStateDir() { return stateDir; }

bool isHostPath(const std::string& path) {
  return path == "/etc/subuid" || path == "/etc/subgid" || path == "/var/lib/ward" ||
         path.rfind("/var/lib/ward/", 0) == 0;
}

std::vector<std::string> takeHostOpens() {
  std::lock_guard<std::mutex> lock(guardMutex());
  std::vector<std::string> out;
  out.swap(opened());
  return out;
}

}  // namespace ward::test

extern "C" {

// open(2) and friends: the mode argument is read only when the flags say it is there (as glibc does).
#define WARD_GUARD_OPEN(name, params, args)                       \
  int name params {                                                \
    mode_t mode = 0;                                               \
    if (ward::test::needsMode(flags)) {                            \
      va_list ap;                                                  \
      va_start(ap, flags);                                         \
      mode = va_arg(ap, mode_t);                                   \
      va_end(ap);                                                  \
    }                                                              \
    ward::test::note(path);                                        \
    static auto next = ward::test::real<int(*) params>(#name);     \
    return next args;                                              \
  }
WARD_GUARD_OPEN(open, (const char* path, int flags, ...), (path, flags, mode))
WARD_GUARD_OPEN(open64, (const char* path, int flags, ...), (path, flags, mode))
WARD_GUARD_OPEN(openat, (int dir, const char* path, int flags, ...), (dir, path, flags, mode))
WARD_GUARD_OPEN(openat64, (int dir, const char* path, int flags, ...), (dir, path, flags, mode))
#undef WARD_GUARD_OPEN

FILE* fopen(const char* path, const char* mode) {
  ward::test::note(path);
  static auto f = ward::test::real<FILE* (*)(const char*, const char*)>("fopen");
  return f(path, mode);
}

FILE* fopen64(const char* path, const char* mode) {
  ward::test::note(path);
  static auto f = ward::test::real<FILE* (*)(const char*, const char*)>("fopen64");
  return f(path, mode);
}

}  // extern "C"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  // One scratch state directory per process, removed at exit; tests that need their own make their own.
  std::string tmpl = (fs::temp_directory_path() / "ward-test-state.XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return 2;
  ward::test::stateDir = tmpl;
  setenv("WARD_SUBUID", ward::test::fixtureSubuid().c_str(), 1);
  setenv("WARD_SUBGID", ward::test::fixtureSubgid().c_str(), 1);
  setenv("WARD_STATE_DIR", tmpl.c_str(), 1);

  ::testing::InitGoogleTest(&argc, argv);
  auto* guard = new ward::test::Guard;
  ::testing::UnitTest::GetInstance()->listeners().Append(guard);   // gtest owns it
  int rc = RUN_ALL_TESTS();
  std::error_code ec;
  fs::remove_all(tmpl, ec);
  return rc != 0 ? rc : (guard->failed ? 1 : 0);
}
