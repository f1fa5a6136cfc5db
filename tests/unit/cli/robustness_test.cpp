// Malformed input never crashes ward: each of >1,000 generated inputs ends in exit 2 with a located error
// (`file:line:col: error: ...`). Run under the ASan+UBSan build by scripts/test.sh as well.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "run_ward.h"

namespace fs = std::filesystem;
using ward::test::runWard;

namespace {

struct Case {
  std::string name;
  std::string bytes;
};

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Valid sources to truncate and mutate: the examples and the stdlib.
std::vector<std::string> corpus() {
  std::vector<std::string> out;
  for (const char* dir : {"examples", "stdlib"}) {
    fs::path root = fs::path(WARD_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.path().extension() == ".ward") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) out.push_back(readAll(f));
  }
  if (out.empty())  // still exercise truncation when the tree has no examples
    out.push_back("policy p {\n  files { read \"/etc/**\"; }\n  limits { memory 64MiB; pids 100; }\n}\n");
  return out;
}

// A cut inside a brace block always leaves the file unbalanced, so it is malformed by construction.
std::vector<std::size_t> cutsInsideBlocks(const std::string& s) {
  std::vector<std::size_t> cuts;
  int depth = 0;
  bool inString = false, inLineComment = false, inBlockComment = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    char next = i + 1 < s.size() ? s[i + 1] : '\0';
    if (inLineComment) { if (c == '\n') inLineComment = false; continue; }
    if (inBlockComment) { if (c == '*' && next == '/') { inBlockComment = false; ++i; } continue; }
    if (inString) { if (c == '\\') ++i; else if (c == '"') inString = false; continue; }
    if (c == '/' && next == '/') { inLineComment = true; continue; }
    if (c == '/' && next == '*') { inBlockComment = true; continue; }
    if (c == '"') { inString = true; continue; }
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (depth > 0 && c != '\n') cuts.push_back(i + 1);
  }
  return cuts;
}

std::vector<Case> generate() {
  std::vector<Case> cases;
  std::mt19937_64 rng(20261123);  // fixed seed: the same inputs every run
  auto rand = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };

  // 1. Random bytes (any byte value; long enough to hold invalid UTF-8 or stray tokens).
  for (int i = 0; i < 300; ++i) {
    std::string b(16 + rand(2000), '\0');
    for (auto& c : b) c = static_cast<char>(rng() & 0xff);
    cases.push_back({"random" + std::to_string(i), b});
  }
  // 2. Token soup: plausible tokens in random order, starting with one no file can start with.
  const std::vector<std::string> toks = {"policy", "fragment", "group", "import", "extends", "use", "{", "}",
                                         "(", ")", ";", ",", "=", "==", "&", "|", "\"s\"", "42", "1.5",
                                         "512MiB", "@grp", "10:229", "80-90", "files", "read", "syscalls",
                                         "allow", "deny", "clone", "flags", "limits", "memory", "\n", " "};
  for (int i = 0; i < 200; ++i) {
    std::string b = ";";
    for (std::size_t n = 1 + rand(80); n > 0; --n) b += toks[rand(toks.size())] + " ";
    cases.push_back({"soup" + std::to_string(i), b});
  }
  // 3. Truncations of valid files, cut inside a block.
  auto files = corpus();
  for (int i = 0; i < 300; ++i) {
    const std::string& f = files[rand(files.size())];
    auto cuts = cutsInsideBlocks(f);
    if (cuts.empty()) continue;
    cases.push_back({"truncated" + std::to_string(i), f.substr(0, cuts[rand(cuts.size())])});
  }
  // 4. Valid files with one stray byte that cannot appear in ward source inserted inside a block.
  for (int i = 0; i < 200; ++i) {
    std::string f = files[rand(files.size())];
    auto cuts = cutsInsideBlocks(f);
    if (cuts.empty()) continue;
    const char stray[] = {'\x01', '`', '$', '\x7f', '\\', '~'};
    f.insert(cuts[rand(cuts.size())], 1, stray[rand(sizeof stray)]);
    cases.push_back({"stray" + std::to_string(i), f});
  }
  // 5. The named hard cases.
  cases.push_back({"nest-braces-100000", "policy p " + std::string(100000, '{')});
  cases.push_back({"nest-parens-100000",
                   "policy p { syscalls { allow clone(" + std::string(100000, '(') + "; } }"});
  cases.push_back({"nest-balanced-100000", "policy p " + std::string(100000, '{') + std::string(100000, '}')});
  cases.push_back({"line-10MB-ident", std::string(10 * 1024 * 1024, 'a')});
  cases.push_back({"line-10MB-garbage", [] {
                     std::string s;
                     while (s.size() < 10 * 1024 * 1024) s += "x; } { ( ";
                     return s;
                   }()});
  cases.push_back({"line-10MB-string", "policy p { files { read \"" + std::string(10 * 1024 * 1024, 'a') + "; } }"});
  cases.push_back({"invalid-utf8", "policy p {\n  files { read \"/etc/\xff\xfe\"; }\n}\n"});
  cases.push_back({"invalid-utf8-overlong", "policy p { } \xc0\xaf\n"});
  cases.push_back({"invalid-utf8-truncated", "policy p { files { read \"/\xe2\x82\"; } }\n"});
  cases.push_back({"nul-bytes", std::string("policy p {\n  files { read \"/etc\0\"; }\n}\n", 38)});
  cases.push_back({"nul-only", std::string(64, '\0')});
  cases.push_back({"crlf-error", "policy p {\r\n  files {\r\n    read \"/etc/**\"\r\n  }\r\n}\r\n"});
  cases.push_back({"bom-error", "\xef\xbb\xbfpolicy p {\n  limits { memory 12XB; }\n"});
  cases.push_back({"bom-only-then-garbage", "\xef\xbb\xbf}}}"});
  cases.push_back({"unterminated-string", "policy p { files { read \"/etc/**; } }\n"});
  cases.push_back({"unterminated-comment", "policy p { /* files { read \"/etc\"; } }\n"});
  cases.push_back({"lone-cr", "policy p {\r files { read \"/x\" } \r}"});
  return cases;
}

}  // namespace

TEST(Robustness, MalformedInputsExitTwoWithALocatedError) {
  fs::path dir = fs::temp_directory_path() / ("ward-robustness-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto cases = generate();
  ASSERT_GE(cases.size(), 1000u);
  const std::regex located(R"((^|\n)[^\n:]+\.ward:\d+:\d+: error: )");
  int failures = 0;
  for (const auto& c : cases) {
    fs::path p = dir / (c.name + ".ward");
    {
      std::ofstream out(p, std::ios::binary);
      out.write(c.bytes.data(), static_cast<std::streamsize>(c.bytes.size()));
    }
    auto r = runWard({"--color", "never", "check", p.string()});
    bool ok = r.signal == 0 && r.exitCode == 2 && std::regex_search(r.err, located);
    if (!ok && ++failures <= 10) {
      ADD_FAILURE() << c.name << ": exit " << r.exitCode << " signal " << r.signal << "\nstderr: "
                    << r.err.substr(0, 600);
    }
  }
  EXPECT_EQ(failures, 0) << "of " << cases.size() << " malformed inputs";
  fs::remove_all(dir);
}
