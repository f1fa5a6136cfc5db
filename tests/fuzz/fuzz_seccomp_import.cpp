// libFuzzer target: the seccomp profiles `ward import` reads. The first byte picks the reader: even =
// Docker/OCI JSON (`ward import docker-seccomp`), odd = LXC's seccomp policy (`ward import lxc-seccomp`).
// For a Docker profile that resolves, the runc-style compile (the reference the import tests use) runs too.
#include <string>

#include "import/import.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  ward::Diagnostics diags;
  if (data[0] % 2 == 0) {
    ward::import::DockerOptions options;
    (void)ward::import::importDockerSeccomp(text, options, diags);
    ward::Diagnostics again;
    if (auto profile = ward::import::resolveDockerProfile(text, options, again)) {
      std::string error;
      (void)ward::import::compileLikeRunc(*profile, false, &error);
    }
  } else {
    (void)ward::import::importLxcSeccomp(text, ward::import::LxcOptions{}, diags);
  }
  return 0;
}
