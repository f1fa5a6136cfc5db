// Parse + check of a generated 10,000-line policy. Prints time, lines per second and peak memory, and the
// ratio of each stage to a baseline measured in the same run (one pass over the bytes counting lines).
//   build/bench/bench_parse_bench [--benchmark_min_time=1]
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "driver/driver.h"
#include "syntax/parse.h"

namespace {

// A realistic policy file of `lines` lines: imports, groups, fragments and policies using every section.
std::string generatePolicy(int lines) {
  std::string s = "// generated for the parse benchmark\nimport \"std/syscalls\";\n\n";
  const char* sys[] = {"read", "write", "openat", "close", "fstat", "mmap", "munmap", "brk", "futex", "epoll_wait"};
  int n = 0;
  auto count = [&] { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); };
  while (count() < lines - 40) {
    std::string name = "p" + std::to_string(n++);
    s += "group @g-" + name + " \"bench group\" {\n";
    for (int i = 0; i < 5; ++i) s += std::string("  ") + sys[(n + i) % 10] + ", " + sys[(n + i + 3) % 10] + ";\n";
    s += "}\n\nfragment f" + name + " {\n  files {\n";
    for (int i = 0; i < 10; ++i) s += "    read \"/srv/" + name + "/data" + std::to_string(i) + "/**\";\n";
    s += "  }\n}\n\npolicy " + name + " {\n  use f" + name + ";\n  files {\n";
    for (int i = 0; i < 20; ++i)
      s += "    write \"/var/lib/" + name + "/" + std::to_string(i) + "/**\", \"/var/log/" + name + "/" +
           std::to_string(i) + ".log\";\n";
    s += "  }\n  network {\n    listen tcp 8080, 8443;\n    connect udp 53;\n  }\n";
    s += "  capabilities { keep chown, setuid, setgid; }\n";
    s += "  syscalls {\n    default errno ENOSYS;\n    allow @g-" + name + ";\n";
    for (int i = 0; i < 10; ++i) s += "    allow personality(persona == " + std::to_string(i * 8) + ");\n";
    s += "    deny clone(flags & CLONE_NEWUSER != 0) errno EPERM;\n  }\n";
    s += "  limits {\n    memory 512MiB;\n    cpu 1.5;\n    pids 256;\n    nofile 1024 4096;\n  }\n";
    s += "  sysctl {\n    net.ipv4.ip_unprivileged_port_start = 1024;\n  }\n}\n\n";
  }
  return s;
}

const std::string& policyText() {
  static const std::string text = generatePolicy(10000);
  return text;
}

ward::driver::LoadOptions options() {
  ward::driver::LoadOptions o;
  o.includeDirs = {std::string(WARD_SOURCE_DIR) + "/stdlib"};
  return o;
}

void BM_Baseline_CountLines(benchmark::State& state) {
  const std::string& t = policyText();
  for (auto _ : state) {
    std::string copy = t;  // the parser also copies the text into its SourceManager
    benchmark::DoNotOptimize(std::count(copy.begin(), copy.end(), '\n'));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(t.size()));
}

void BM_Parse(benchmark::State& state) {
  const std::string& t = policyText();
  for (auto _ : state) {
    ward::driver::Session s;
    auto id = s.sources.add("bench.ward", "bench.ward", t);
    auto file = ward::syntax::parse(s.sources, id, s.diags);
    if (s.diags.hasErrors()) state.SkipWithError("generated policy does not parse");
    benchmark::DoNotOptimize(file);
  }
}

void BM_ParseAndCheck(benchmark::State& state) {
  const std::string& t = policyText();
  for (auto _ : state) {
    ward::driver::Session s;
    auto loaded = ward::driver::loadText(s, "bench.ward", t, options());
    if (s.diags.hasErrors()) state.SkipWithError("generated policy does not check clean");
    benchmark::DoNotOptimize(loaded);
  }
}

BENCHMARK(BM_Baseline_CountLines)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Parse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAndCheck)->Unit(benchmark::kMillisecond);

// Collects mean real time per benchmark to print the summary table.
class Collector : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ms;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration && !r.error_occurred)
        ms[r.benchmark_name()] = r.GetAdjustedRealTime();  // in the benchmark's unit (ms)
    ConsoleReporter::ReportRuns(runs);
  }
};

// Peak resident memory of a whole `ward check` process on the generated file, in MiB.
double peakMemoryOfWardCheckMiB(const std::string& file) {
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    std::string exe = std::string(WARD_BINARY_DIR) + "/ward";
    std::string inc = std::string(WARD_SOURCE_DIR) + "/stdlib";
    execl(exe.c_str(), exe.c_str(), "-I", inc.c_str(), "check", file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  Collector reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const std::string& t = policyText();
  const double lines = static_cast<double>(std::count(t.begin(), t.end(), '\n'));
  std::string path = "/tmp/ward-bench-" + std::to_string(getpid()) + ".ward";
  std::ofstream(path) << t;
  double peak = peakMemoryOfWardCheckMiB(path);
  ::unlink(path.c_str());
  double base = reporter.ms["BM_Baseline_CountLines"];
  std::printf("\nparse + check of a generated %.0f-line policy (%zu bytes)\n", lines, t.size());
  std::printf("%-28s %10s %14s %12s\n", "stage", "ms", "lines/s", "x baseline");
  for (const char* name : {"BM_Baseline_CountLines", "BM_Parse", "BM_ParseAndCheck"}) {
    double ms = reporter.ms[name];
    std::printf("%-28s %10.2f %14.0f %12.1f\n", name, ms, ms > 0 ? lines / (ms / 1000.0) : 0.0,
                base > 0 ? ms / base : 0.0);
  }
  std::printf("peak memory of `ward check` on it: %.1f MiB%s\n", peak, peak < 0 ? " (ward check failed)" : "");
  std::printf("targets: parse + check under 100 ms and 50 MB\n");
  benchmark::Shutdown();
  return 0;
}
