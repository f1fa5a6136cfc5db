// seccomp filters: ward's output next to Docker's default profile compiled the way runc 1.1 does it.
//
// For each filter: total instructions; mean and worst-case path length (instructions executed, via ward's
// BPF interpreter) over every syscall number libseccomp names on x86_64 (args 0); and the cost of an allowed
// (getppid), an argument-checked (personality(0xffffffff)) and a denied (setns(-1, 0)) system call, measured
// in a forked child that loaded the filter, as ns/call and as a ratio to the same call under an allow-all
// filter measured in the same run. Then, for every policy of examples/*.ward and stdlib/std/*.ward, the worst
// allowed path per arch (the longest path that returns ALLOW, over every syscall number with argument
// vectors around the rules' constants: measure.h) of ward's filter next to libseccomp's own build of the
// same rules (on x86 without the socketcall/ipc family, which libseccomp alone builds differently). Usage: bench_seccomp_bench [N] (default 1000000); `bench_seccomp_bench paths` prints only the
// second table.
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "backend/seccomp/bpf_interp.h"
#include "backend/seccomp/filter.h"
#include "backend/seccomp/libseccomp_util.h"
#include "backend/seccomp/measure.h"
#include "driver/driver.h"
#include "import/import.h"
#include "lower/lower.h"
#include "sema/sema.h"

namespace {

namespace bpf = ward::backend::seccomp::bpf;
namespace sc = ward::backend::seccomp;

struct Row {
  std::string name;
  std::string bytes;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "seccomp_bench: %s\n", what.c_str());
  std::exit(1);
}

std::string firstError(const ward::Diagnostics& d) {
  for (const auto& i : d.items())
    if (i.severity == ward::Severity::Error) return i.code + " " + i.message;
  return "?";
}

std::string wardFilter(const ward::ir::Policy& p, int optimize) {
  ward::Diagnostics diags;
  auto f = sc::buildFilter(p, sc::FilterOptions{optimize}, diags);
  if (!f) die("ward filter: " + firstError(diags));
  return f->bpf;
}

// examples/web-nginx.ward through the real pipeline (sema + lower).
ward::ir::Policy representative() {
  const std::string path = std::string(WARD_SOURCE_DIR) + "/examples/web-nginx.ward";
  ward::SourceManager sources;
  const ward::FileId id = sources.add("examples/web-nginx.ward", path, slurp(path));
  ward::Diagnostics diags;
  ward::sema::Options options;
  options.searchPath = ward::sema::searchPath({std::string(WARD_SOURCE_DIR) + "/stdlib"}, nullptr, "");
  auto result = ward::sema::analyze(sources, id, options, diags);
  if (diags.hasErrors() || result.policies.empty()) die("examples/web-nginx.ward: " + firstError(diags));
  auto lowered = ward::lower::lower(result.policies.front(), diags);
  if (!lowered) die("lower: " + firstError(diags));
  return lowered->policy();
}

std::string allowAll() {
  ward::backend::seccomp::CtxPtr ctx(seccomp_init(SCMP_ACT_ALLOW));
  seccomp_arch_add(ctx.get(), SCMP_ARCH_X86);
  seccomp_arch_add(ctx.get(), SCMP_ARCH_X32);
  std::string error;
  auto b = sc::exportFilter(ctx.get(), false, &error);
  if (!b) die(error);
  return *b;
}

struct Paths {
  std::size_t insns = 0, worst = 0;
  double mean = 0;
};

Paths measurePaths(const std::string& bytes) {
  std::string error;
  auto prog = bpf::parse(bytes, &error);
  if (!prog) die("bad program: " + error);
  Paths p;
  p.insns = prog->size();
  std::size_t n = 0, sum = 0;
  for (int nr = 0; nr < 1024; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
    if (!name) continue;
    std::free(name);
    bpf::Data d;
    d.arch = bpf::kAuditArchX86_64;
    d.nr = nr;
    auto r = bpf::run(*prog, d);
    sum += r.executed;
    p.worst = std::max(p.worst, r.executed);
    ++n;
  }
  p.mean = n ? static_cast<double>(sum) / static_cast<double>(n) : 0;
  return p;
}

double nowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// ns/call for the three calls, measured in a child running under the filter (best of 3 rounds).
std::vector<double> timeCalls(const std::string& bytes, long n) {
  int fds[2];
  if (pipe(fds) != 0) die("pipe");
  const pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(fds[0]);
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(bytes.size() / 8);
    prog.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(bytes.data()));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) _exit(2);
    double best[3] = {1e18, 1e18, 1e18};
    for (int round = 0; round < 3; ++round) {
      double t0 = nowNs();
      for (long i = 0; i < n; ++i) syscall(SYS_getppid);
      double t1 = nowNs();
      for (long i = 0; i < n; ++i) syscall(SYS_personality, 0xffffffffUL);
      double t2 = nowNs();
      for (long i = 0; i < n; ++i) syscall(SYS_setns, -1, 0);
      double t3 = nowNs();
      best[0] = std::min(best[0], (t1 - t0) / static_cast<double>(n));
      best[1] = std::min(best[1], (t2 - t1) / static_cast<double>(n));
      best[2] = std::min(best[2], (t3 - t2) / static_cast<double>(n));
    }
    (void)!write(fds[1], best, sizeof best);
    _exit(0);
  }
  close(fds[1]);
  double out[3] = {0, 0, 0};
  const bool ok = read(fds[0], out, sizeof out) == static_cast<ssize_t>(sizeof out);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!ok) die("child failed to load or run the filter");
  return {out[0], out[1], out[2]};
}

// The worst allowed path of every example and stdlib policy, per arch: ward's filter and libseccomp's
// plain build of the same rules (measure.h), and which call takes it.
void printWorstAllowed() {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const char* dir : {"examples", "stdlib/std"})
    for (const auto& e : fs::directory_iterator(std::string(WARD_SOURCE_DIR) + "/" + dir))
      if (e.path().extension() == ".ward") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::printf("worst allowed path (instructions to ALLOW; every syscall number, argument vectors around the rules' constants;\n"
              "x86 without the socketcall/ipc family); lsc = libseccomp's plain build of the same rules\n");
  std::printf("%-46s %-6s | %5s %-16s | %5s %-16s | %5s\n", "policy", "arch", "ward", "(call)", "lsc", "(call)", "ratio");
  std::printf("%s\n", std::string(46 + 1 + 6 + 3 + 22 + 3 + 22 + 3 + 5, '-').c_str());
  for (const auto& f : files) {
    ward::driver::Session s;
    ward::driver::LoadOptions lo;
    lo.includeDirs = {std::string(WARD_SOURCE_DIR) + "/stdlib"};
    auto loaded = ward::driver::load(s, f, lo);
    if (!loaded.ok) die(f + ": " + firstError(s.diags));
    for (auto& resolved : loaded.policies) {
      auto lowered = ward::lower::lower(std::move(resolved), s.diags);
      if (!lowered) die(f + ": " + firstError(s.diags));
      const ward::ir::Policy& p = lowered->policy();
      std::string error;
      auto ours = bpf::parse(wardFilter(p, 2), &error);
      auto plain = sc::plainLibseccompBpf(p, &error);
      auto theirs = plain ? bpf::parse(*plain, &error) : std::nullopt;
      if (!ours || !theirs) die(p.name + ": " + error);
      const std::string label = fs::relative(f, WARD_SOURCE_DIR).string() + ":" + p.name;
      for (const auto& abi : sc::x86Abis()) {
        if (std::none_of(p.syscalls.arches.begin(), p.syscalls.arches.end(),
                         [&](const std::string& a) { return sc::archToken(a) == abi.scmpArch; }))
          continue;
        auto comparable = [&](const std::string& name) { return sc::comparableWithPlainBuild(name, abi); };
        const auto w = sc::worstAllowedPath(*ours, sc::effectiveRules(p), abi, comparable);
        const auto l = sc::worstAllowedPath(*theirs, sc::effectiveRules(p), abi, comparable);
        std::printf("%-46s %-6s | %5zu %-16s | %5zu %-16s | %5.2f\n", label.c_str(), abi.name, w.insns, w.name.c_str(),
                    l.insns, l.name.c_str(), l.insns ? static_cast<double>(w.insns) / static_cast<double>(l.insns) : 0.0);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "paths") {
    printWorstAllowed();
    return 0;
  }
  const long n = argc > 1 ? std::atol(argv[1]) : 1000000;
  const std::string dockerPath = "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";
  const std::string docker = slurp(dockerPath);
  if (docker.empty()) die(dockerPath + " missing (package golang-github-docker-docker-dev)");

  ward::Diagnostics diags;
  auto imported = ward::import::importDockerSeccomp(docker, ward::import::DockerOptions{}, diags);
  if (!imported) die("import: " + firstError(diags));
  auto profile = ward::import::resolveDockerProfile(docker, ward::import::DockerOptions{}, diags);
  if (!profile) die("resolve: " + firstError(diags));
  std::string error;
  auto runc = ward::import::compileLikeRunc(*profile, true, &error);
  auto runcPlain = ward::import::compileLikeRunc(*profile, false, &error);
  if (!runc || !runcPlain) die("runc compile: " + error);
  const auto web = representative();

  std::vector<Row> rows = {
      {"allow-all (baseline)", allowAll()},
      {"ward: examples/web-nginx.ward", wardFilter(web, 2)},
      {"ward: web-nginx, linear (opt 1)", wardFilter(web, 1)},
      {"ward: imported Docker default", wardFilter(imported->policy, 2)},
      {"ward: imported Docker, linear", wardFilter(imported->policy, 1)},
      {"Docker default, runc 1.1 (+stub)", *runc},
      {"Docker default, libseccomp only", *runcPlain},
  };
  const auto base = timeCalls(rows[0].bytes, n);
  std::printf("seccomp filters on %s, N=%ld calls each (best of 3), paths over the x86_64 syscall numbers libseccomp names\n",
              "x86_64", n);
  std::printf("%-34s %6s %7s %6s | %-17s | %-17s | %-17s\n", "filter", "insns", "mean", "worst",
              "allowed getppid", "arg-checked pers.", "denied setns");
  std::printf("%s\n", std::string(34 + 1 + 6 + 1 + 7 + 1 + 6 + 3 * 20 + 2, '-').c_str());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto p = measurePaths(rows[i].bytes);
    const auto t = i == 0 ? base : timeCalls(rows[i].bytes, n);
    std::printf("%-34s %6zu %7.1f %6zu | %6.1f ns  %5.2fx | %6.1f ns  %5.2fx | %6.1f ns  %5.2fx\n", rows[i].name.c_str(),
                p.insns, p.mean, p.worst, t[0], t[0] / base[0], t[1], t[1] / base[1], t[2], t[2] / base[2]);
  }
  std::printf("\n");
  printWorstAllowed();
  return 0;
}
