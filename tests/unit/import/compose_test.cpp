// import/compose.cpp: a Compose service as the docker run options it means, through importRunOptions.
#include <gtest/gtest.h>

#include "import/import.h"

namespace ward::import {
namespace {

struct ComposeRun {
  SourceManager sm;
  Diagnostics diags;
  std::optional<Imported> result;
  ComposeRun(const std::string& yaml, const std::string& service) {
    const FileId f = sm.add("compose.yaml", "compose.yaml", yaml);
    result = importCompose(sm, f, service, "app", diags);
  }
  // The first error's line:col.
  std::string where() const {
    for (const auto& d : diags.items())
      if (d.severity == Severity::Error) return std::to_string(d.span.line) + ":" + std::to_string(d.span.col);
    return "";
  }
};

TEST(ImportCompose, KeysBecomeStatementsLocatedAtTheirLines) {
  ComposeRun r("services:\n"
        "  web:\n"
        "    image: busybox\n"
        "    cap_add: [NET_ADMIN]\n"
        "    cap_drop:\n"
        "      - CHOWN\n"
        "    pids_limit: 64\n"
        "    mem_limit: 1g\n"
        "    sysctls:\n"
        "      net.ipv4.ip_forward: 1\n"
        "    volumes:\n"
        "      - /srv/data:/data:ro\n"
        "      - {type: bind, source: /etc/app, target: /etc/app, read_only: true}\n"
        "    network_mode: none\n",
        "web");
  ASSERT_TRUE(r.result) << r.where();
  const std::string& w = r.result->ward;
  EXPECT_NE(w.find("policy app extends base.unprivileged {"), std::string::npos) << w;
  EXPECT_NE(w.find("net_admin"), std::string::npos) << w;
  EXPECT_NE(w.find("drop chown;"), std::string::npos) << w;
  EXPECT_NE(w.find("pids 64;  // pids_limit: 64 (compose.yaml:7)"), std::string::npos) << w;
  EXPECT_NE(w.find("memory 1GiB;  // mem_limit: 1g (compose.yaml:8)"), std::string::npos) << w;
  EXPECT_NE(w.find("net.ipv4.ip_forward = \"1\";"), std::string::npos) << w;
  EXPECT_NE(w.find("bind \"/srv/data\" at \"/data\" ro;"), std::string::npos) << w;
  EXPECT_NE(w.find("bind \"/etc/app\" at \"/etc/app\" ro;"), std::string::npos) << w;
  EXPECT_NE(w.find("none;  // --network none"), std::string::npos) << w;
  EXPECT_NE(w.find("// image busybox"), std::string::npos) << w;
}

TEST(ImportCompose, PrivilegedKeepsAll) {
  ComposeRun r("services:\n  s:\n    privileged: true\n", "s");
  ASSERT_TRUE(r.result);
  EXPECT_NE(r.result->ward.find("keep all;  // privileged (compose.yaml:3)"), std::string::npos) << r.result->ward;
}

TEST(ImportCompose, ErrorsAreLocated) {
  EXPECT_EQ(ComposeRun("services:\n  web:\n    cap_add: [A\n    x: y\n", "web").where().substr(0, 2), "4:");
  EXPECT_EQ(ComposeRun("services:\n  web:\n    bogus: 1\n", "web").where(), "3:5");
  EXPECT_EQ(ComposeRun("services:\n  web:\n    cap_add: [NOT_A_CAP]\n", "web").where(), "3:15");
  EXPECT_EQ(ComposeRun("services:\n  web:\n    privileged: maybe\n", "web").where(), "3:17");
  EXPECT_EQ(ComposeRun("services:\n  db: {}\n", "web").where(), "2:3");
  EXPECT_EQ(ComposeRun("- just a list\n", "web").where(), "1:1");
  EXPECT_EQ(ComposeRun("", "web").where(), "1:1");
  EXPECT_FALSE(ComposeRun("services:\n  web:\n    ulimits: {nofile: [1, 2]}\n", "web").result);
}

TEST(ImportCompose, ReadOnlyRoot) {
  ComposeRun r("services:\n  s:\n    read_only: true\n    tmpfs: [/tmp]\n", "s");
  ASSERT_TRUE(r.result) << r.where();
  EXPECT_NE(r.result->ward.find("root ro;  // read_only (compose.yaml:3)"), std::string::npos) << r.result->ward;
  ComposeRun off("services:\n  s:\n    read_only: false\n", "s");
  ASSERT_TRUE(off.result);
  EXPECT_EQ(off.result->ward.find("root "), std::string::npos) << off.result->ward;
  EXPECT_EQ(ComposeRun("services:\n  s:\n    read_only: maybe\n", "s").where(), "3:16");
}

}  // namespace
}  // namespace ward::import
