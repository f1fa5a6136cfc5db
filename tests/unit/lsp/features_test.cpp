// Diagnostics, hover, completion, definition, symbols, formatting and code actions on real policies
// (the real parser and checker, the source tree's stdlib).
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "harness.h"
#include "lsp/text.h"

namespace ward::lsp::test {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ward-lsp-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::string uri(const std::string& name) const { return pathToUri(path_ + "/" + name); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const char* kGood =
    "import \"std/base\";\n"
    "import \"std/syscalls\";\n"
    "\n"
    "// The web tier.\n"
    "policy web extends base.unprivileged {\n"
    "  syscalls {\n"
    "    allow read, write;\n"
    "  }\n"
    "  limits { memory 512MiB; }\n"
    "}\n";

json labels(const json& completion) {
  json out = json::array();
  const json& items = completion.is_array() ? completion : completion.value("items", json::array());
  for (const auto& i : items) out.push_back(i["label"]);
  return out;
}
bool has(const json& arr, const std::string& s) {
  return std::find(arr.begin(), arr.end(), json(s)) != arr.end();
}

TEST(LspFeatures, DiagnosticsMatchTheCheckerAndUseUtf16Ranges) {
  TempDir dir;
  Harness h;
  h.initialize();
  const std::string uri = dir.uri("a.ward");
  // A comment with a non-BMP character before the error on the same line: byte and UTF-16 columns differ.
  const std::string text =
      "import \"std/base\";\n"
      "policy p extends base.unprivileged {\n"
      "  limits { /*😀*/ memroy 512MiB; }\n"
      "}\n";
  h.open(uri, text);
  json d = h.diagnostics(uri, 1);
  ASSERT_FALSE(d.is_null());
  ASSERT_EQ(d["diagnostics"].size(), 1u) << d.dump(2);
  const json& diag = d["diagnostics"][0];
  EXPECT_EQ(diag["code"], "E0209");
  EXPECT_EQ(diag["severity"], 1);
  EXPECT_EQ(diag["source"], "ward");
  EXPECT_EQ(diag["codeDescription"]["href"], "https://ward.invalid/docs/diagnostics.md#e0209");
  EXPECT_NE(diag["message"].get<std::string>().find("did you mean `memory`"), std::string::npos);
  // `  limits { /*😀*/ ` is 11 + 6 + 1 = 18 UTF-16 units (the emoji counts 2; its UTF-8 form is 4 bytes).
  EXPECT_EQ(diag["range"]["start"], Harness::pos(2, 18));
  EXPECT_EQ(diag["range"]["end"], Harness::pos(2, 24));

  // Quick fix from the "did you mean".
  json actions = h.request("textDocument/codeAction",
                           {{"textDocument", {{"uri", uri}}},
                            {"range", diag["range"]},
                            {"context", {{"diagnostics", json::array({diag})}}}});
  ASSERT_TRUE(actions["result"].is_array()) << actions.dump();
  ASSERT_FALSE(actions["result"].empty()) << actions.dump();
  const json& edit = actions["result"][0]["edit"]["changes"][uri][0];
  EXPECT_EQ(edit["newText"], "memory");
  EXPECT_EQ(edit["range"], diag["range"]);
  EXPECT_EQ(actions["result"][0]["kind"], "quickfix");

  // Fix it with an incremental edit: diagnostics clear for version 2.
  h.change(uri, 2, json::array({{{"range", diag["range"]}, {"text", "memory"}}}));
  d = h.diagnostics(uri, 2);
  ASSERT_FALSE(d.is_null());
  EXPECT_TRUE(d["diagnostics"].empty()) << d.dump(2);

  // Break it again in two incremental steps (a burst): the last version is the one reported.
  h.change(uri, 3, json::array({{{"range", {{"start", Harness::pos(2, 18)}, {"end", Harness::pos(2, 18)}}}, {"text", "x"}}}));
  h.change(uri, 4, json::array({{{"range", {{"start", Harness::pos(2, 19)}, {"end", Harness::pos(2, 19)}}}, {"text", "y"}}}));
  d = h.diagnostics(uri, 4);
  ASSERT_FALSE(d.is_null());
  ASSERT_EQ(d["diagnostics"].size(), 1u);
  EXPECT_EQ(d["diagnostics"][0]["code"], "E0209");
  EXPECT_EQ(d["diagnostics"][0]["range"]["start"], Harness::pos(2, 18));
  EXPECT_EQ(d["diagnostics"][0]["range"]["end"], Harness::pos(2, 26));

  // didClose clears the document's diagnostics.
  h.notify("textDocument/didClose", {{"textDocument", {{"uri", uri}}}});
  d = h.diagnostics(uri);
  ASSERT_FALSE(d.is_null());
  EXPECT_TRUE(d["diagnostics"].empty());
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspFeatures, SyntaxErrorsAreReported) {
  TempDir dir;
  Harness h;
  h.initialize();
  const std::string uri = dir.uri("s.ward");
  h.open(uri, "import \"std/base\";\npolicy p extends base.unprivileged {\n  files { read \"/etc\" }\n");
  json d = h.diagnostics(uri, 1);
  ASSERT_FALSE(d["diagnostics"].empty());
  bool syntax = false;
  for (const auto& diag : d["diagnostics"]) syntax = syntax || diag["code"].get<std::string>().substr(0, 3) == "E00";
  EXPECT_TRUE(syntax) << d.dump(2);
  // Formatting refuses a document with syntax errors.
  json f = h.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}}, {"options", {{"tabSize", 2}, {"insertSpaces", true}}}});
  EXPECT_TRUE(f.contains("error")) << f.dump();
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspFeatures, HoverCompletionDefinitionSymbolsFormatting) {
  TempDir dir;
  Harness h;
  h.initialize();
  const std::string uri = dir.uri("web.ward");
  h.open(uri, kGood);
  json d = h.diagnostics(uri, 1);
  ASSERT_FALSE(d.is_null());
  EXPECT_TRUE(d["diagnostics"].empty()) << d.dump(2);

  // Hover on `read` (line 6): its numbers, group, Docker's and LXC's verdicts.
  json hv = h.request("textDocument/hover", Harness::at(uri, 6, 11));
  ASSERT_TRUE(hv["result"].is_object()) << hv.dump();
  const std::string md = hv["result"]["contents"]["value"];
  EXPECT_NE(md.find("**read**"), std::string::npos) << md;
  EXPECT_NE(md.find("| x86_64 | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| x86 | 3 |"), std::string::npos) << md;
  EXPECT_NE(md.find("stdlib group: `@"), std::string::npos) << md;
  if (fs::exists(defaultOptions().dockerProfile)) {
    EXPECT_NE(md.find("Docker default profile:** allowed"), std::string::npos) << md;
  }
  if (fs::exists(defaultOptions().lxcSeccomp)) {
    EXPECT_NE(md.find("LXC default"), std::string::npos) << md;
  }
  // Hover on a keyword and a section name.
  EXPECT_NE(h.request("textDocument/hover", Harness::at(uri, 4, 12))["result"]["contents"]["value"].get<std::string>().find("extends"),
            std::string::npos);
  EXPECT_NE(h.request("textDocument/hover", Harness::at(uri, 5, 4))["result"]["contents"]["value"].get<std::string>().find("seccomp"),
            std::string::npos);
  // Hover on nothing: null.
  EXPECT_TRUE(h.request("textDocument/hover", Harness::at(uri, 2, 0))["result"].is_null());

  // Definition of the extends parent: std/base.ward's `policy unprivileged`.
  json def = h.request("textDocument/definition", Harness::at(uri, 4, 25));
  ASSERT_TRUE(def["result"].is_object()) << def.dump();
  const std::string defUri = def["result"]["uri"];
  EXPECT_NE(defUri.find("std/base.ward"), std::string::npos) << defUri;
  // Definition of an import string: the module file.
  def = h.request("textDocument/definition", Harness::at(uri, 0, 10));
  ASSERT_TRUE(def["result"].is_object()) << def.dump();
  EXPECT_NE(def["result"]["uri"].get<std::string>().find("std/base.ward"), std::string::npos);

  // Completion after `allow ` on a new line in syscalls: syscalls and groups.
  h.change(uri, 2, json::array({{{"range", {{"start", Harness::pos(7, 0)}, {"end", Harness::pos(7, 0)}}}, {"text", "    allow \n"}}}));
  json c = h.request("textDocument/completion", Harness::at(uri, 7, 10));
  json l = labels(c["result"]);
  EXPECT_TRUE(has(l, "openat")) << c.dump().substr(0, 400);
  EXPECT_TRUE(has(l, "@system-service"));
  // `@` trigger: groups only.
  h.change(uri, 3, json::array({{{"range", {{"start", Harness::pos(7, 10)}, {"end", Harness::pos(7, 10)}}}, {"text", "@"}}}));
  l = labels(h.request("textDocument/completion", Harness::at(uri, 7, 11))["result"]);
  EXPECT_TRUE(has(l, "@system-service"));
  EXPECT_FALSE(has(l, "openat"));
  // Section names in a policy body, verbs in a section, errno names after `errno`.
  l = labels(h.request("textDocument/completion", Harness::at(uri, 9, 2))["result"]);
  EXPECT_TRUE(has(l, "capabilities"));
  EXPECT_TRUE(has(l, "use"));
  // Undo the edits (whole-document change).
  h.change(uri, 4, json::array({{{"text", kGood}}}));
  d = h.diagnostics(uri, 4);
  EXPECT_TRUE(d["diagnostics"].empty()) << d.dump(2);

  // Document symbols: imports, the policy with its sections.
  json sy = h.request("textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}});
  ASSERT_TRUE(sy["result"].is_array());
  bool found = false;
  for (const auto& s : sy["result"])
    if (s["name"] == "web") {
      found = true;
      EXPECT_EQ(s["kind"], 5);
      ASSERT_EQ(s["children"].size(), 2u);
      EXPECT_EQ(s["children"][0]["name"], "syscalls");
      EXPECT_EQ(s["children"][1]["name"], "limits");
    }
  EXPECT_TRUE(found) << sy.dump(2);

  // Formatting: `ward fmt`'s output as one edit (or none when already formatted).
  h.change(uri, 5, json::array({{{"text", "policy   q {limits{memory 1MiB;}}\n"}}}));
  json f = h.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}}, {"options", {{"tabSize", 2}, {"insertSpaces", true}}}});
  ASSERT_TRUE(f["result"].is_array()) << f.dump();
  ASSERT_EQ(f["result"].size(), 1u);
  EXPECT_EQ(f["result"][0]["range"]["start"], Harness::pos(0, 0));
  EXPECT_NE(f["result"][0]["newText"].get<std::string>().find("policy q {"), std::string::npos);
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspFeatures, UnsavedImportsAndDependents) {
  TempDir dir;
  Harness h;
  h.initialize();
  const std::string main = dir.uri("main.ward"), lib = dir.uri("lib.ward");
  // lib.ward exists only as an editor buffer.
  h.open(lib, "fragment logs {\n  files { write \"/var/log/app/**\"; }\n}\n");
  h.open(main, "import \"./lib.ward\" as lib;\nimport \"std/base\";\npolicy app extends base.unprivileged {\n  use lib.logs;\n}\n");
  json d = h.diagnostics(main, 1);
  ASSERT_FALSE(d.is_null());
  EXPECT_TRUE(d["diagnostics"].empty()) << d.dump(2);
  // Definition of `use lib.logs` goes to the buffer.
  json def = h.request("textDocument/definition", Harness::at(main, 3, 10));
  ASSERT_TRUE(def["result"].is_object()) << def.dump();
  EXPECT_EQ(def["result"]["uri"], lib);
  EXPECT_EQ(def["result"]["range"]["start"], Harness::pos(0, 9));
  // Renaming the fragment in the (unsaved) library re-checks the importer.
  h.change(lib, 2, json::array({{{"range", {{"start", Harness::pos(0, 9)}, {"end", Harness::pos(0, 13)}}}, {"text", "logz"}}}));
  d = h.diagnosticsWhere(main, [](const json& p) {
    for (const auto& x : p["diagnostics"])
      if (x["severity"] == 1) return true;
    return false;
  });
  ASSERT_FALSE(d.is_null());
  ASSERT_FALSE(d["diagnostics"].empty());
  EXPECT_EQ(d["diagnostics"][0]["code"], "E0104");
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspFeatures, HugeDocumentsAndBinaryGarbage) {
  TempDir dir;
  Harness h;
  h.initialize();
  const std::string uri = dir.uri("big.ward");
  std::string big = "policy p {\n  files {\n";
  while (big.size() < (2u << 20)) big += "    read \"/srv/data/" + std::to_string(big.size()) + "/**\";\n";
  big += "  }\n}\n";
  h.open(uri, big);
  json d = h.diagnostics(uri, 1, 120000);
  ASSERT_FALSE(d.is_null());
  std::string junk;
  for (int i = 0; i < 100000; ++i) junk.push_back(static_cast<char>(32 + (i * 7919) % 95));
  h.change(uri, 2, json::array({{{"text", junk}}}));
  d = h.diagnostics(uri, 2, 120000);
  ASSERT_FALSE(d.is_null());
  EXPECT_FALSE(d["diagnostics"].empty());
  EXPECT_TRUE(h.request("textDocument/hover", Harness::at(uri, 0, 50)).contains("result"));
  EXPECT_TRUE(h.request("textDocument/completion", Harness::at(uri, 0, 50)).contains("result"));
  EXPECT_TRUE(h.request("textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}}).contains("result"));
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspFeatures, NamesInEverySection) {
  TempDir dir;
  Harness h;
  h.initialize();
  const std::string uri = dir.uri("n.ward");
  const std::string text =
      "import \"std/base\";\n"                                                     // 0
      "import \"std/syscalls\";\n"                                                 // 1
      "policy n extends base.unprivileged {\n"                                     // 2
      "  capabilities { keep chown; }\n"                                           // 3
      "  syscalls { deny ptrace errno EACCES; allow @basic-io; }\n"                // 4
      "  verify { accept ESC-KCORE \"masked by the runtime here\"; }\n"           // 5
      "}\n";
  h.open(uri, text);
  ASSERT_FALSE(h.diagnostics(uri, 1).is_null());
  auto hover = [&](int line, int ch) {
    json r = h.request("textDocument/hover", Harness::at(uri, line, ch));
    return r["result"].is_object() ? r["result"]["contents"]["value"].get<std::string>() : std::string();
  };
  EXPECT_NE(hover(3, 24).find("CAP_CHOWN"), std::string::npos);
  EXPECT_NE(hover(4, 34).find("EACCES"), std::string::npos);
  const std::string group = hover(4, 47);
  EXPECT_NE(group.find("@basic-io"), std::string::npos) << group;
  EXPECT_NE(group.find("member"), std::string::npos) << group;
  const std::string esc = hover(5, 22);
  EXPECT_NE(esc.find("ESC-KCORE"), std::string::npos) << esc;
  EXPECT_NE(esc.find("Blocked by"), std::string::npos) << esc;
  const std::string ptrace = hover(4, 21);
  EXPECT_NE(ptrace.find("**ptrace**"), std::string::npos) << ptrace;

  // Definition of a stdlib group: std/syscalls.ward.
  json def = h.request("textDocument/definition", Harness::at(uri, 4, 47));
  ASSERT_TRUE(def["result"].is_object()) << def.dump();
  EXPECT_NE(def["result"]["uri"].get<std::string>().find("std/syscalls.ward"), std::string::npos);

  // Completion: capabilities after keep, errno names after errno, escape ids after accept, modules in
  // an import string, parents after extends.
  auto complete = [&](int version, const std::string& line, int at) {
    h.change(uri, version, json::array({{{"range", {{"start", Harness::pos(6, 0)}, {"end", Harness::pos(6, 0)}}}, {"text", line + "\n"}}}));
    json r = h.request("textDocument/completion", Harness::at(uri, 6, at));
    h.change(uri, version + 1, json::array({{{"range", {{"start", Harness::pos(6, 0)}, {"end", Harness::pos(7, 0)}}}, {"text", ""}}}));
    return labels(r["result"]);
  };
  // Line 6 is the closing brace: insert statements inside sections by writing whole sections.
  json l = complete(2, "  capabilities { keep ", 22);
  EXPECT_TRUE(has(l, "sys_admin"));
  EXPECT_TRUE(has(l, "all"));
  l = complete(4, "  syscalls { deny kill errno E", 30);
  EXPECT_TRUE(has(l, "EPERM"));
  EXPECT_FALSE(has(l, "read"));
  l = complete(6, "  verify { accept ", 18);
  EXPECT_TRUE(has(l, "ESC-KCORE"));
  l = complete(8, "  syscalls { allow clone(", 25);
  EXPECT_TRUE(has(l, "flags"));
  EXPECT_TRUE(has(l, "CLONE_NEWUSER"));
  l = complete(10, "  limits { mem", 14);
  EXPECT_TRUE(has(l, "memory"));
  l = complete(12, "  ", 2);
  EXPECT_TRUE(has(l, "syscalls"));
  // Top level (after the policy's closing brace).
  h.change(uri, 20, json::array({{{"text", text + "import \"std/\n"}}}));
  l = labels(h.request("textDocument/completion", Harness::at(uri, 7, 12))["result"]);
  EXPECT_TRUE(has(l, "std/base"));
  EXPECT_TRUE(has(l, "std/syscalls"));
  h.change(uri, 21, json::array({{{"text", text + "policy q extends \n"}}}));
  l = labels(h.request("textDocument/completion", Harness::at(uri, 7, 17))["result"]);
  EXPECT_TRUE(has(l, "n"));
  EXPECT_TRUE(has(l, "base.unprivileged"));
  EXPECT_FALSE(has(l, "q"));
  h.change(uri, 22, json::array({{{"text", text + "\n"}}}));
  l = labels(h.request("textDocument/completion", Harness::at(uri, 7, 0))["result"]);
  EXPECT_TRUE(has(l, "policy"));
  EXPECT_TRUE(has(l, "import"));
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspFeatures, VerifierFindingsFollowInASecondPublish) {
  TempDir dir;
  Harness h;
  h.initialize();
  const std::string uri = dir.uri("v.ward");
  // Valid, but with no pids limit: the verifier reports RES-PIDS (a fork bomb) as open.
  h.open(uri, "policy v {\n  syscalls { default errno ENOSYS; allow read, write, exit_group; }\n}\n");
  json first = h.diagnostics(uri, 1);
  ASSERT_FALSE(first.is_null());
  for (const auto& x : first["diagnostics"]) EXPECT_NE(x["code"], "RES-PIDS");
  json second = h.diagnostics(uri, 1);
  ASSERT_FALSE(second.is_null()) << "no second publish with the verifier's findings";
  bool pids = false;
  for (const auto& x : second["diagnostics"]) pids = pids || x["code"] == "RES-PIDS";
  EXPECT_TRUE(pids) << second.dump(2);
  // With the verifier off, one publish per version.
  ServerOptions o = testOptions();
  o.verify = false;
  Harness quiet(o);
  quiet.initialize();
  quiet.open(uri, "policy v {\n  syscalls { default errno ENOSYS; allow read, write, exit_group; }\n}\n");
  ASSERT_FALSE(quiet.diagnostics(uri, 1).is_null());
  EXPECT_TRUE(quiet.diagnostics(uri, 1, 1500).is_null());
  EXPECT_EQ(quiet.shutdownAndExit(), 0);
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

}  // namespace
}  // namespace ward::lsp::test
