// The baseline of bench/fleet.sh (issue 16.8): for one policy file, in this one process and run, the time
// of a plain libseccomp build of the policy's seccomp rules (measure.h: the rules given straight to
// libseccomp, exported as BPF) next to ward's whole compile of the file (parse, check, lower, every
// target, files written: driver::compile) and ward's seccomp filter alone, each with the filter memo
// emptied first. Prints the median of REPS runs of each and the ratios.
// Usage: bench_fleet_baseline FILE.ward STDLIB_DIR [REPS=15]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "backend/seccomp/filter.h"
#include "backend/seccomp/filter_cache.h"
#include "backend/seccomp/measure.h"
#include "driver/driver.h"
#include "lower/lower.h"

namespace {

namespace fs = std::filesystem;
namespace sc = ward::backend::seccomp;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "fleet_baseline: %s\n", what.c_str());
  std::exit(1);
}

double medianMs(int reps, const std::function<void()>& run) {
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    sc::clearFilterCache();
    const auto t0 = std::chrono::steady_clock::now();
    run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) die("usage: bench_fleet_baseline FILE.ward STDLIB_DIR [REPS]");
  const std::string file = argv[1], stdlib = argv[2];
  const int reps = argc > 3 ? std::max(1, std::atoi(argv[3])) : 15;
  ward::driver::LoadOptions lo;
  lo.includeDirs = {stdlib};
  ward::driver::Session s;
  auto loaded = ward::driver::load(s, file, lo);
  if (!loaded.ok || loaded.policies.empty()) die("cannot load " + file);
  auto lowered = ward::lower::lower(loaded.policies.front(), s.diags);
  if (!lowered) die("lower failed");
  const ward::ir::Policy& policy = lowered->policy();

  const fs::path out = fs::temp_directory_path() / ("ward-fleet-baseline-" + std::to_string(::getpid()));
  const double plain = medianMs(reps, [&] {
    std::string error;
    if (!sc::plainLibseccompBpf(policy, &error)) die("libseccomp: " + error);
  });
  const double filter = medianMs(reps, [&] {
    ward::Diagnostics d;
    if (!sc::buildFilter(policy, sc::FilterOptions{}, d)) die("buildFilter failed");
  });
  const double whole = medianMs(reps, [&] {
    ward::driver::Session cs;
    ward::driver::CompileOptions co;
    co.load = lo;
    co.outDir = out.string();
    co.backend.stateDir = (out / "state").string();
    if (!ward::driver::compile(cs, {file}, co).ok) die("ward compile failed");
  });
  std::error_code ec;
  fs::remove_all(out, ec);
  std::printf("one policy (%s), median of %d, filter memo emptied before each run:\n", policy.name.c_str(), reps);
  std::printf("  %-52s %8.2f ms  1.00x (baseline)\n", "plain libseccomp build of its rules, exported BPF", plain);
  std::printf("  %-52s %8.2f ms  %.2fx\n", "ward's seccomp filter (buildFilter)", filter, filter / plain);
  std::printf("  %-52s %8.2f ms  %.2fx\n", "ward compile of the file (all targets, written)", whole, whole / plain);
  return 0;
}
