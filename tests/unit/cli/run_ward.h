#pragma once
// Runs the built `ward` binary in a child process and captures its exit status and output.
#include <string>
#include <vector>

namespace ward::test {

struct RunResult {
  int exitCode = -1;      // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
};

std::string wardExe();    // $WARD_EXE, or <build>/ward
RunResult runWard(const std::vector<std::string>& args, const std::string& stdinText = "");

}  // namespace ward::test
