// Writes sample artifacts for the integration tests (tests/integration/lxc_execute.sh and runc.sh) when
// WARD_SAMPLE_DIR is set; they use them when `ward compile` cannot produce artifacts yet.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "emit_target.h"
#include "backend/lxc/lxc.h"
#include "backend/oci/oci.h"
#include "backend/seccomp/seccomp.h"
#include "common_fixture.h"
#include "hermetic.h"

namespace ward::backend {
namespace {

// Not a test of its own (DISABLED_): tests/integration/lib/runtime.sh runs it to write the sample artifacts.
TEST(CommonSamples, DISABLED_WriteForIntegrationTests) {
  const char* dir = std::getenv("WARD_SAMPLE_DIR");
  if (!dir || !*dir) GTEST_SKIP() << "WARD_SAMPLE_DIR not set";
  Options o;
  o.artifactDir = dir;
  ward::test::hermetic(o);
  o.allocate = false;   // `idmap auto`: the placeholder range; the host's id range registry stays untouched
  for (const auto& p : {ward::testing::webPolicy(), ward::testing::lockedPolicy(), ward::testing::privilegedPolicy(),
                        ward::testing::bridgedPolicy()}) {
    Diagnostics d;
    std::vector<Artifact> all;
    for (const char* target : {"seccomp", "lxc", "oci"}) {
      auto a = ward::testing::emitTarget(target, ward::testing::asLowered(p), o, d);
      all.insert(all.end(), a.begin(), a.end());
    }
    ASSERT_FALSE(d.hasErrors()) << p.name << ": " << d.items().at(0).message;
    for (const auto& a : all) {
      std::ofstream out(std::string(dir) + "/" + a.fileName, std::ios::binary);
      out << a.content;
      ASSERT_TRUE(out.good()) << a.fileName;
    }
  }
}

}  // namespace
}  // namespace ward::backend
