// ward-seccomp-compare docker|lxc ORIGINAL WARD.bpf
//
// Compiles ORIGINAL (a Docker/OCI seccomp profile JSON, resolved for Docker's default capabilities, or an
// LXC seccomp policy) the way runc / LXC give it to libseccomp, and compares its decisions with WARD.bpf's
// on every syscall number of x86_64, i386 and x32, with argument vectors around every constant either
// filter compares (tests/unit/import/decision_compare.h). Prints the figures; exit 0 when no decision
// differs, 1 when some do, 2 on bad input.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "decision_compare.h"
#include "import/import.h"
#include "lxc_original.h"

namespace {

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int usage() {
  std::fprintf(stderr, "usage: ward-seccomp-compare docker|lxc ORIGINAL WARD.bpf\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ward;
  if (argc != 4) return usage();
  const std::string kind = argv[1];
  auto original = slurp(argv[2]);
  auto wardBytes = slurp(argv[3]);
  if (!original || !wardBytes) {
    std::fprintf(stderr, "ward-seccomp-compare: cannot read %s\n", !original ? argv[2] : argv[3]);
    return 2;
  }
  Diagnostics diags;
  std::optional<import::DockerProfile> profile;
  if (kind == "docker") {
    profile = import::resolveDockerProfile(*original, import::DockerOptions{}, diags);
  } else if (kind == "lxc") {
    auto imported = import::importLxcSeccomp(*original, import::LxcOptions{}, diags);
    if (imported) profile = lxc_original::asProfile(imported->policy);
  } else {
    return usage();
  }
  if (!profile) {
    for (const auto& d : diags.items()) std::fprintf(stderr, "ward-seccomp-compare: %s\n", d.message.c_str());
    return 2;
  }
  std::string error;
  auto originalBpf = import::compileLikeRunc(*profile, /*enosysStub=*/false, &error);
  if (!originalBpf) {
    std::fprintf(stderr, "ward-seccomp-compare: libseccomp: %s\n", error.c_str());
    return 2;
  }
  namespace bpf = backend::seccomp::bpf;
  auto a = bpf::parse(*wardBytes, &error);
  if (!a) {
    std::fprintf(stderr, "ward-seccomp-compare: %s: %s\n", argv[3], error.c_str());
    return 2;
  }
  auto b = bpf::parse(*originalBpf, &error);
  if (!b) {
    std::fprintf(stderr, "ward-seccomp-compare: the original's BPF: %s\n", error.c_str());
    return 2;
  }
  const auto c = decisions::compare(*a, *b);
  for (const auto& e : c.examples) std::printf("differs: %s (ward, original)\n", e.c_str());
  std::printf("compared %zu (ABI, syscall, arguments) vectors on x86_64, i386 and x32 around %zu constants "
              "(1024 syscall numbers each): %zu differ\n", c.vectors, c.constants, c.differ);
  return c.differ == 0 ? 0 : 1;
}
