#pragma once

namespace ward::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitInvalid = 2;
inline constexpr int kExitInternal = 3;

int run(int argc, char** argv);

}  // namespace ward::cli
