// A main() for the fuzz targets in ordinary builds (g++, no libFuzzer): runs LLVMFuzzerTestOneInput on
// every file named (directories: every file in them, sorted), whole and cut at 16 points, so the targets
// compile in every build and their seeds, cut short as a host or an editor can cut them, run in every CI.
// Exit 1 names a file that could not be read; a crash is the test's failure.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  std::size_t inputs = 0;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", f.c_str());
      return 1;
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (int cut = 16; cut >= 1; --cut) {
      std::size_t n = bytes.size() * static_cast<std::size_t>(cut) / 16;
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), n);
      ++inputs;
    }
  }
  std::printf("%zu files, %zu inputs replayed\n", files.size(), inputs);
  return files.empty() ? 1 : 0;
}
