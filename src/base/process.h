#pragma once
// Running a helper program (apparmor_parser, git) with input on stdin, capturing its output.
#include <string>
#include <vector>

namespace ward {

struct RunResult {
  // exit status, or -1 when it could not run or was killed (spawnError says why when it did not start)
  int status = -1;
  std::string out, err, spawnError;
};

// Runs argv (argv[0] searched in PATH) with `input` on stdin; waits for it.
RunResult runProcess(const std::vector<std::string>& argv, const std::string& input = {});

}  // namespace ward
