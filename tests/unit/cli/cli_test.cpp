// The command line's contract: exit codes, located errors, JSON diagnostics, help and version.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "run_ward.h"

namespace fs = std::filesystem;
using ward::test::runWard;

namespace {

fs::path writeTemp(const std::string& name, const std::string& text) {
  fs::path dir = fs::temp_directory_path() / ("ward-cli-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

}  // namespace

TEST(Cli, VersionAndHelp) {
  auto v = runWard({"--version"});
  EXPECT_EQ(v.exitCode, 0);
  EXPECT_NE(v.out.find("ward "), std::string::npos);
  auto h = runWard({"help"});
  EXPECT_EQ(h.exitCode, 0);
  for (const char* cmd : {"check", "fmt", "dump-ir", "compile"}) EXPECT_NE(h.out.find(cmd), std::string::npos) << cmd;
  auto hc = runWard({"help", "compile"});
  EXPECT_EQ(hc.exitCode, 0);
  EXPECT_NE(hc.out.find("--depfile"), std::string::npos);
  EXPECT_EQ(runWard({"help", "nosuch"}).exitCode, 2);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(runWard({}).exitCode, 2);
  EXPECT_EQ(runWard({"frobnicate"}).exitCode, 2);
  EXPECT_EQ(runWard({"check"}).exitCode, 2);
  EXPECT_EQ(runWard({"compile", "x.ward"}).exitCode, 2);  // -o missing
}

TEST(Cli, MissingFileIsAnInputError) {
  auto r = runWard({"check", "/nonexistent/ward/policy.ward"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos);
}

TEST(Cli, SyntaxErrorIsLocatedWithCaret) {
  auto p = writeTemp("broken.ward", "policy p {\n  files {\n    read \"/etc/**\"\n  }\n}\n");
  auto r = runWard({"--color", "never", "check", p.string()});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("broken.ward:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(": error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("^"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[E0"), std::string::npos) << r.err;
}

TEST(Cli, JsonDiagnosticsAreMachineReadable) {
  auto p = writeTemp("unit.ward", "policy p {\n  limits { memory 12XB; }\n}\n");
  auto r = runWard({"--diagnostics-format=json", "check", p.string()});
  EXPECT_EQ(r.exitCode, 2);
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_FALSE(j.empty());
  EXPECT_EQ(j[0]["severity"], "error");
  EXPECT_EQ(j[0]["span"]["line"], 2);
  EXPECT_TRUE(j[0]["code"].get<std::string>().starts_with("E0"));
}

TEST(Cli, FmtCheckReportsUnformattedAndFmtFixesIt) {
  auto p = writeTemp("ugly.ward", "policy   p {files{read \"/etc/**\",\"/usr/**\";}}");
  auto c = runWard({"fmt", "--check", p.string()});
  EXPECT_EQ(c.exitCode, 1);
  EXPECT_EQ(runWard({"fmt", p.string()}).exitCode, 0);
  EXPECT_EQ(runWard({"fmt", "--check", p.string()}).exitCode, 0);
  EXPECT_EQ(runWard({"check", p.string()}).exitCode, 0);
}

TEST(Cli, CheckCleanPolicyExitsZero) {
  auto p = writeTemp("ok.ward", "policy p {\n  files { read \"/etc/**\"; }\n  limits { pids 100; }\n}\n");
  auto r = runWard({"check", p.string()});
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

TEST(Cli, DumpIrHasSpans) {
  auto p = writeTemp("dump.ward", "policy p {\n  limits { pids 100; }\n}\n");
  auto r = runWard({"dump-ir", p.string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["policies"].size(), 1u);
  EXPECT_EQ(j["policies"][0]["name"], "p");
  EXPECT_NE(r.out.find("\"line\": 2"), std::string::npos);
}

TEST(Cli, FindingsOfSeveralFilesPointIntoTheRightFile) {
  // Each policy keeps spans relative to its own sources; a multi-file check must map them to the right
  // file. Two policies without a memory limit each get a RES-MEM finding at their declaration.
  auto a = writeTemp("first.ward", "// first\npolicy first {\n  limits { pids 50; }\n}\n");
  auto b = writeTemp("second.ward", "// second\n\npolicy second {\n  limits { pids 60; }\n}\n");
  auto r = runWard({"--diagnostics-format=json", "check", a.string(), b.string()});
  auto j = nlohmann::json::parse(r.out);
  std::set<std::string> where;
  for (const auto& d : j)
    if (d["code"] == "RES-MEM" && d["span"].is_object())
      where.insert(fs::path(d["span"]["file"].get<std::string>()).filename().string() + ":" +
                   std::to_string(d["span"]["line"].get<int>()));
  EXPECT_EQ(where, (std::set<std::string>{"first.ward:2", "second.ward:3"})) << r.out.substr(0, 2000);
}

TEST(Cli, TheStdlibDefaultChecksClean) {
  // A first policy as the README writes it: no finding at all, not even a warning (issue 16.6).
  auto p = writeTemp("default.ward", "import \"std/base\";\npolicy p extends base.unprivileged {}\n");
  auto r = runWard({"--diagnostics-format=json", "check", p.string()});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j.is_array() && j.empty()) << r.out.substr(0, 2000);
}

TEST(Cli, RuntimeSocketAndSpoofingFindingsPointAtTheStatementThatOpensThem) {
  auto p = writeTemp("openers.ward",
                     "import \"std/base\";\n"
                     "policy pkt extends base.unprivileged {\n"            // 2
                     "  network {\n"
                     "    connect tcp 443;\n"
                     "    packet;\n"                                       // 5
                     "  }\n"
                     "}\n"
                     "policy sock extends base.unprivileged {\n"           // 8
                     "  mounts { bind \"/run/docker.sock\" at \"/run/docker.sock\" rw; }\n"   // 9
                     "}\n"
                     "policy own {\n"                                      // 11
                     "  files { write \"/run/**\"; }\n"                   // 12
                     "}\n"
                     "policy runw extends base.unprivileged {\n"           // 14
                     "  files { write \"/run/**\"; }\n"                   // 15: base's denies win
                     "}\n");
  auto r = runWard({"--diagnostics-format=json", "check", p.string()});
  auto j = nlohmann::json::parse(r.out);
  std::set<std::string> where;
  for (const auto& d : j) {
    std::string code = d["code"];
    if ((code == "NET-L2-SPOOF" || code == "DEV-RUNTIME-SOCK") && d["span"].is_object()) {
      std::string msg = d["message"];
      std::string policy = msg.substr(msg.rfind('(') + 1);
      policy.pop_back();
      where.insert(code + " " + policy + " " + fs::path(d["span"]["file"].get<std::string>()).filename().string() +
                   ":" + std::to_string(d["span"]["line"].get<int>()));
    }
  }
  EXPECT_EQ(where, (std::set<std::string>{"NET-L2-SPOOF pkt openers.ward:5", "DEV-RUNTIME-SOCK sock openers.ward:9",
                                          "DEV-RUNTIME-SOCK own openers.ward:12"}))
      << r.out.substr(0, 4000);
}

TEST(Cli, LxcStatusWithoutARecord) {
  fs::path state = fs::temp_directory_path() / ("ward-cli-state-" + std::to_string(::getpid()));
  fs::create_directories(state);
  fs::permissions(state, fs::perms::owner_all, fs::perm_options::replace);
  auto r = runWard({"lxc-status", "--state-dir", state.string(), "web"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("web: no refused start recorded"), std::string::npos) << r.out;
  auto j = runWard({"lxc-status", "--json", "--state-dir", state.string(), "web"});
  EXPECT_EQ(j.out, "null\n");
  EXPECT_EQ(runWard({"lxc-status", "--state-dir", state.string(), "../web"}).exitCode, 2);
  EXPECT_EQ(runWard({"lxc-status"}).exitCode, 2);
  fs::remove_all(state);
}
