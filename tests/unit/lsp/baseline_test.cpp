// The language server shows widenings against a baseline as diagnostics (issue 13): the policy's own
// `verify { baseline "..."; }`, or the baseline configured in initializationOptions; an accepted widening
// is a note.
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "harness.h"
#include "lsp/text.h"

namespace ward::lsp::test {
namespace {

namespace fs = std::filesystem;

struct Dir {
  std::string path;
  Dir() {
    char tmpl[] = "/tmp/ward-lsp-baseline-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path + "/" + name, std::ios::binary) << text;
  }
  std::string uri(const std::string& name) const { return pathToUri(path + "/" + name); }
};

const char* kBase = "import \"std/base\";\npolicy web extends base.unprivileged {\n  files { read \"/srv/www/**\"; }\n}\n";

// The verifier's publish (the second for a version) with a diagnostic of `code`, or null.
json withCode(Harness& h, const std::string& uri, const std::string& code) {
  return h.diagnosticsWhere(uri, [&](const json& p) {
    for (const auto& d : p["diagnostics"])
      if (d.value("code", "") == code) return true;
    return false;
  }, 60000);
}

const json* find(const json& publish, const std::string& code) {
  for (const auto& d : publish["diagnostics"])
    if (d.value("code", "") == code) return &d;
  return nullptr;
}

TEST(LspBaseline, TheDeclaredBaselineWideningIsAnErrorOnItsLine) {
  Dir dir;
  dir.write("base.ward", kBase);
  Harness h;
  h.initialize();
  const std::string uri = dir.uri("web.ward");
  h.open(uri,
         "import \"std/base\";\n"
         "policy web extends base.unprivileged {\n"
         "  files { read \"/srv/www/**\"; }\n"
         "  capabilities { keep sys_admin; }\n"              // line 3 (0-based)
         "  verify { baseline \"base.ward\"; }\n"
         "}\n");
  json p = withCode(h, uri, "DIFF-WIDER");
  ASSERT_FALSE(p.is_null()) << "no DIFF-WIDER published";
  const json* d = find(p, "DIFF-WIDER");
  ASSERT_NE(d, nullptr);
  bool sysAdmin = false;
  for (const auto& x : p["diagnostics"])
    if (x.value("code", "") == "DIFF-WIDER" && x["message"].get<std::string>().find("keeps sys_admin") != std::string::npos) {
      sysAdmin = true;
      EXPECT_EQ(x["severity"], 1);   // error
      EXPECT_EQ(x["range"]["start"]["line"], 3);
    }
  EXPECT_TRUE(sysAdmin) << p.dump(2);

  // Accepted with a reason: no longer an error, a note that says why.
  h.change(uri, 2, json::array({{{"text",
      "import \"std/base\";\n"
      "policy web extends base.unprivileged {\n"
      "  files { read \"/srv/www/**\"; }\n"
      "  capabilities { keep sys_admin; }\n"
      "  verify { baseline \"base.ward\"; accept DIFF-WIDER \"capabilities: keeps sys_admin\" \"mounts in the entrypoint\"; }\n"
      "}\n"}}}));
  json q = h.diagnosticsWhere(uri, [&](const json& pub) {
    const json* x = find(pub, "DIFF-WIDER");
    return pub.value("version", -1LL) == 2 && x && (*x)["severity"] != 1;
  }, 60000);
  ASSERT_FALSE(q.is_null()) << "the accepted widening did not become a note";
  for (const auto& x : q["diagnostics"])
    if (x.value("code", "") == "DIFF-WIDER") {
      EXPECT_EQ(x["severity"], 3) << x.dump();   // a note, not an error
    }
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspBaseline, TheConfiguredBaselineAppliesToEveryPolicy) {
  Dir dir;
  dir.write("base.ward", kBase);
  Harness h;
  json init = h.request("initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", json::object()},
                                       {"initializationOptions", {{"baseline", dir.path + "/base.ward"}}}});
  ASSERT_TRUE(init.contains("result"));
  h.notify("initialized", json::object());
  const std::string uri = dir.uri("web.ward");
  h.open(uri, "import \"std/base\";\npolicy web extends base.unprivileged {\n  files { read \"/srv/www/**\"; }\n"
              "  network { listen tcp 8080; }\n}\n");
  json p = withCode(h, uri, "DIFF-WIDER");
  ASSERT_FALSE(p.is_null()) << "no DIFF-WIDER for the configured baseline";
  bool onListen = false;
  for (const auto& d : p["diagnostics"])
    onListen = onListen || (d.value("code", "") == "DIFF-WIDER" && d["range"]["start"]["line"] == 3);
  EXPECT_TRUE(onListen) << p.dump(2);
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

}  // namespace
}  // namespace ward::lsp::test
