#pragma once
// Every unit test binary links tests/support/main.cpp: it points ward's host inputs at fixtures before
// any test runs and fails a test that opens the host's own copy of them.
//   WARD_SUBUID, WARD_SUBGID   -> tests/fixtures/host/subuid, subgid (no entry for root: the default pool)
//   WARD_STATE_DIR             -> a fresh empty directory per test binary
// Tests that build backend::Options (or driver::CompileOptions::backend) in process pass them through
// hermetic(), which sets the subuid/subgid files to the fixtures (and the state directory, unless the
// test chose its own).
#include <string>
#include <vector>

namespace ward::test {

// The fixture files and the state directory the environment above names.
std::string fixtureSubuid();
std::string fixtureSubgid();
std::string scratchStateDir();

// Host paths a unit test must never open (/etc/subuid, /etc/subgid, /var/lib/ward/...).
bool isHostPath(const std::string& path);
// The host paths opened since the last call (and forgets them): the guard's record, for its own test.
std::vector<std::string> takeHostOpens();

// Sets the host inputs of a backend::Options or driver::CompileOptions::backend to the fixtures.
template <class BackendOptions>
BackendOptions& hermetic(BackendOptions& o) {
  if (o.stateDir == "/var/lib/ward") o.stateDir = scratchStateDir();
  o.subuidFile = fixtureSubuid();
  o.subgidFile = fixtureSubgid();
  return o;
}

}  // namespace ward::test
