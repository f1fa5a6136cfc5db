// Auditing configurations ward did not write (verify/audit.h): LXC's stock common.conf (+ userns.conf) as
// installed on this machine, runc's default config.json, and small hand-written configs for the modelling
// rules. Prints what stays open (the table the issue asks for) and asserts a few stable facts.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <gtest/gtest.h>

#include "backend/seccomp/bpf_interp.h"
#include "verify/audit.h"
#include "verify/report.h"
#include "verify_fixture.h"

namespace ward::verify {
namespace {

namespace fs = std::filesystem;

using fixture::catalog;
using fixture::find;
using fixture::layer;

// A temporary directory with files, removed at the end.
struct TempDir {
  fs::path dir;
  TempDir() {
    char tmpl[] = "/tmp/ward-audit-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    fs::path p = dir / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
};

std::string where(const SourceManager& sm, const Span& s) {
  if (!s.valid()) return "-";
  return sm.displayName(s.file) + ":" + std::to_string(s.line);
}

void printOpen(const std::string& title, const SourceManager& sm, const Audited& a, const std::vector<Finding>& fs_) {
  auto c = count(fs_);
  std::cout << "== " << title << ": " << c.open << " open, " << c.oneLayer << " blocked by one layer, " << c.blocked
            << " blocked, " << c.notApplicable << " n/a\n";
  for (const auto& n : a.notes) std::cout << "   note " << n << "\n";
  for (const auto& f : fs_)
    if (f.status == Status::Open) std::cout << "   open " << f.id << "  (" << where(sm, f.span) << ")\n";
}

bool stockLxc() { return fs::exists("/usr/share/lxc/config/common.conf") && fs::exists("/usr/share/lxc/config/common.seccomp"); }

// ---- LXC's stock configuration ------------------------------------------------------------------------------
TEST(AuditLxc, StockCommonConfPrivileged) {
  if (!stockLxc()) GTEST_SKIP() << "LXC's stock config is not installed";
  TempDir t;
  std::string cfg = t.write("priv/config",
                            "lxc.include = /usr/share/lxc/config/common.conf\n"
                            "lxc.net.0.type = empty\n"
                            "lxc.rootfs.path = dir:/nonexistent/rootfs\n");
  SourceManager sm;
  auto a = auditLxcConfig(sm, cfg);
  ASSERT_TRUE(a.ok()) << (a.errors.empty() ? "" : a.errors.front());
  EXPECT_EQ(a.policy.name, "priv");
  EXPECT_TRUE(a.policy.identity.privileged);
  auto fs_ = verifyAudited(a, catalog());
  ASSERT_EQ(fs_.size(), catalog().entries.size());
  printOpen("LXC common.conf, privileged", sm, a, fs_);

  // common.seccomp: kexec_load errno 1 (EPERM on every arch in the audit's P.bpf), but kexec_file_load is not
  // listed, cap_sys_boot is kept and the container is privileged: SYS-KEXEC stays open.
  const backend::Artifact* prog = nullptr;
  for (const auto& art : a.artifacts)
    if (art.fileName == "priv.bpf") prog = &art;
  ASSERT_TRUE(prog);
  auto insns = backend::seccomp::bpf::parse(prog->content);
  ASSERT_TRUE(insns);
  backend::seccomp::bpf::Data d;
  d.arch = backend::seccomp::bpf::kAuditArchX86_64;
  d.nr = 246;   // kexec_load
  EXPECT_EQ(backend::seccomp::bpf::describe(backend::seccomp::bpf::run(*insns, d).ret), "ERRNO(1)");
  d.arch = backend::seccomp::bpf::kAuditArchI386;
  d.nr = 283;
  EXPECT_EQ(backend::seccomp::bpf::describe(backend::seccomp::bpf::run(*insns, d).ret), "ERRNO(1)");
  const auto& kexec = find(fs_, "SYS-KEXEC");
  EXPECT_EQ(kexec.status, Status::Open) << kexec.message;
  const auto* sk = layer(kexec, Layer::Seccomp);
  ASSERT_TRUE(sk);
  EXPECT_FALSE(sk->blocks);
  EXPECT_NE(sk->rule.find("kexec_file_load() -> ALLOW"), std::string::npos) << sk->rule;
  // open_by_handle_at too (CAP-SHOCKER): seccomp EPERM while cap_dac_read_search is kept.
  const auto* shocker = layer(find(fs_, "CAP-SHOCKER"), Layer::Seccomp);
  ASSERT_TRUE(shocker);
  EXPECT_TRUE(shocker->blocks) << shocker->rule;
  // sys_module is dropped by lxc.cap.drop: capabilities and seccomp both block it.
  const auto& mod = find(fs_, "CAP-SYS-MODULE");
  EXPECT_EQ(mod.status, Status::Blocked) << mod.message;
  // Container root is host root: open, pointing at the top config.
  const auto& priv = find(fs_, "NS-PRIVILEGED");
  EXPECT_EQ(priv.status, Status::Open);
  EXPECT_EQ(where(sm, priv.span), cfg + ":1");
  // bpf(2) is not in common.seccomp and cap_sys_admin is kept: open, at common.conf's lxc.cap.drop line.
  const auto& bpfEntry = find(fs_, "SYS-BPF");
  EXPECT_EQ(bpfEntry.status, Status::Open) << bpfEntry.message;
  const auto* bc = layer(bpfEntry, Layer::Capabilities);
  ASSERT_TRUE(bc);
  EXPECT_FALSE(bc->blocks);
  EXPECT_EQ(where(sm, bc->span).rfind("/usr/share/lxc/config/common.conf:", 0), 0u) << where(sm, bc->span);
  EXPECT_NE(sm.lineText(bc->span.file, bc->span.line).find("lxc.cap.drop"), std::string::npos);
  // No pids limit in the stock config.
  EXPECT_EQ(find(fs_, "RES-PIDS").status, Status::Open);
  // The devices cgroup allows mknod of anything ("c *:* m", "b *:* m"), not reading a disk.
  const auto* disk = layer(find(fs_, "MNT-HOSTDISK"), Layer::Cgroup);
  ASSERT_TRUE(disk);
  EXPECT_TRUE(disk->blocks) << disk->rule;
  // The network is an empty namespace: network entries do not apply.
  EXPECT_EQ(find(fs_, "NET-IPV6-RA").status, Status::NotApplicable);
}

TEST(AuditLxc, StockUsernsConfIdmapped) {
  if (!stockLxc() || !fs::exists("/usr/share/lxc/config/userns.conf")) GTEST_SKIP() << "LXC's stock config is not installed";
  TempDir t;
  std::string cfg = t.write("mapped/config",
                            "lxc.include = /usr/share/lxc/config/common.conf\n"
                            "lxc.include = /usr/share/lxc/config/userns.conf\n"
                            "lxc.idmap = u 0 100000 65536\n"
                            "lxc.idmap = g 0 100000 65536\n"
                            "lxc.net.0.type = empty\n");
  SourceManager sm;
  auto a = auditLxcConfig(sm, cfg);
  ASSERT_TRUE(a.ok()) << (a.errors.empty() ? "" : a.errors.front());
  EXPECT_FALSE(a.policy.identity.privileged);
  auto fs_ = verifyAudited(a, catalog());
  printOpen("LXC common.conf + userns.conf, idmapped", sm, a, fs_);
  EXPECT_EQ(find(fs_, "NS-PRIVILEGED").status, Status::Blocked);
  // userns.conf clears lxc.cap.drop: every capability, but in a user namespace, which alone holds SYS-KEXEC
  // (kexec_file_load passes common.seccomp).
  const auto& kexec = find(fs_, "SYS-KEXEC");
  EXPECT_EQ(kexec.status, Status::BlockedByOneLayer) << kexec.message;
  const auto* caps = layer(kexec, Layer::Capabilities);
  ASSERT_TRUE(caps);
  EXPECT_FALSE(caps->blocks);
  EXPECT_NE(sm.lineText(caps->span.file, caps->span.line).find("lxc.cap.drop"), std::string::npos);
  EXPECT_NE(sm.displayName(caps->span.file).find("userns.conf"), std::string::npos);
  // userns.conf clears the devices rules: the cgroup allows every device (the user namespace still blocks).
  const auto* disk = layer(find(fs_, "MNT-HOSTDISK"), Layer::Cgroup);
  ASSERT_TRUE(disk);
  EXPECT_FALSE(disk->blocks) << disk->rule;
  // A privileged run has more open entries than the idmapped one.
  SourceManager sm2;
  TempDir t2;
  auto priv = verifyAudited(auditLxcConfig(sm2, t2.write("p/config", "lxc.include = /usr/share/lxc/config/common.conf\n")),
                            catalog());
  EXPECT_GT(count(priv).open, count(fs_).open);
}

TEST(AuditLxc, AppArmorModelledFromContainerBase) {
  if (!stockLxc() || !fs::exists("/etc/apparmor.d/abstractions/lxc/container-base")) GTEST_SKIP() << "no LXC AppArmor files";
  TempDir t;
  std::string cfg = t.write("aa/config", "lxc.include = /usr/share/lxc/config/common.conf\n"
                                         "lxc.apparmor.profile = generated\n");
  SourceManager sm;
  auto a = auditLxcConfig(sm, cfg);
  ASSERT_TRUE(a.ok());
  auto fs_ = verifyAudited(a, catalog());
  // container-base: deny @{PROC}/sysrq-trigger rwklx; plus proc:mixed -> two layers.
  const auto& sysrq = find(fs_, "ESC-SYSRQ");
  EXPECT_EQ(sysrq.status, Status::Blocked) << sysrq.message;
  const auto* aa = layer(sysrq, Layer::Apparmor);
  ASSERT_TRUE(aa);
  EXPECT_TRUE(aa->evaluated);
  EXPECT_TRUE(aa->blocks) << aa->rule;
  EXPECT_NE(sm.displayName(aa->span.file).find("container-base"), std::string::npos) << where(sm, aa->span);
  // `file,` grants every other file: /proc/timer_list is readable through AppArmor.
  const auto* leak = layer(find(fs_, "ESC-PROC-LEAK"), Layer::Apparmor);
  ASSERT_TRUE(leak);
  EXPECT_FALSE(leak->blocks) << leak->rule;

  // The same config on a host where AppArmor is off: the layer is not evaluated, never a block.
  AuditOptions off;
  off.apparmorEnabled = false;
  SourceManager sm2;
  auto b = auditLxcConfig(sm2, cfg, off);
  auto gs = verifyAudited(b, catalog());
  const auto* aa2 = layer(find(gs, "ESC-SYSRQ"), Layer::Apparmor);
  ASSERT_TRUE(aa2);
  EXPECT_FALSE(aa2->evaluated);
  EXPECT_EQ(find(gs, "ESC-SYSRQ").status, Status::BlockedByOneLayer);   // proc:mixed only
}

// ---- hand-written LXC configs: the modelling rules -------------------------------------------------------------
TEST(AuditLxc, KeysBecomeLayersWithSpans) {
  TempDir t;
  std::string seccomp = t.write("deny.seccomp", "2\ndenylist\n[all]\nbpf errno 1\nkeyctl errno 13\n");
  std::string cfg = t.write("c/config",
                            "# a hand-written container\n"
                            "lxc.cap.keep = chown setuid setgid sys_admin\n"
                            "lxc.idmap = u 0 200000 65536\n"
                            "lxc.idmap = g 0 200000 65536\n"
                            "lxc.mount.auto = proc:rw sys:ro cgroup:mixed\n"
                            "lxc.cgroup.devices.deny = a\n"
                            "lxc.cgroup.devices.allow = c 136:* rwm\n"
                            "lxc.cgroup.pids.max = 512\n"
                            "lxc.no_new_privs = 1\n"
                            "lxc.seccomp.profile = " + seccomp + "\n"
                            "lxc.apparmor.profile = unconfined\n"
                            "lxc.net.0.type = veth\n"
                            "lxc.net.0.link = lxcbr0\n");
  SourceManager sm;
  auto a = auditLxcConfig(sm, cfg);
  ASSERT_TRUE(a.ok()) << (a.errors.empty() ? "" : a.errors.front());
  auto fs_ = verifyAudited(a, catalog());
  // Capabilities: sys_admin kept, at its lxc.cap.keep line.
  const auto* c = layer(find(fs_, "MNT-SECURITYFS"), Layer::Capabilities);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->blocks);
  EXPECT_EQ(where(sm, c->span), cfg + ":2");
  // Seccomp from the profile: bpf -> EPERM, pointing at the profile's line.
  const auto* b = layer(find(fs_, "SYS-BPF"), Layer::Seccomp);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->blocks) << b->rule;
  // proc:rw opens /proc/sysrq-trigger for writing; the span is the mount.auto line.
  const auto* m = layer(find(fs_, "ESC-SYSRQ"), Layer::Mount);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->blocks);
  EXPECT_EQ(where(sm, m->span), cfg + ":5");
  // pids limited, no_new_privs on, AppArmor unconfined -> not evaluated at the key.
  EXPECT_NE(find(fs_, "RES-PIDS").status, Status::Open);
  EXPECT_NE(find(fs_, "CAP-NNP").status, Status::Open);
  const auto* aa = layer(find(fs_, "ESC-SYSRQ"), Layer::Apparmor);
  ASSERT_TRUE(aa);
  EXPECT_FALSE(aa->evaluated);
  EXPECT_EQ(where(sm, aa->span), cfg + ":11");
  // A veth on a shared bridge: network entries apply, the bridge is named.
  const auto& l2 = find(fs_, "NET-L2-SPOOF");
  EXPECT_NE(l2.status, Status::NotApplicable);
  // Rendering with carets works on the audited files.
  ReportOptions ro;
  std::string text = renderText(sm, fs_, catalog(), ro);
  EXPECT_NE(text.find("lxc.mount.auto = proc:rw"), std::string::npos);
}

// cpu.shares is read on the kernel's scale (1024 = weight 100): only shares below 1024 guard RES-CPU.
TEST(AuditLxc, CpuSharesOnTheKernelScale) {
  for (auto [shares, open] : {std::pair<int, bool>{1024, true}, {2048, true}, {512, false}}) {
    TempDir t;
    std::string cfg = t.write("c/config", "lxc.cgroup.cpu.shares = " + std::to_string(shares) + "\n");
    SourceManager sm;
    auto a = auditLxcConfig(sm, cfg);
    ASSERT_TRUE(a.ok());
    auto fs = verifyAudited(a, catalog());
    EXPECT_EQ(find(fs, "RES-CPU").status == Status::Open, open) << shares;
  }
}

TEST(AuditLxc, NoSeccompMeansEverythingAllowed) {
  TempDir t;
  std::string cfg = t.write("n/config", "lxc.net.0.type = empty\n");
  SourceManager sm;
  auto a = auditLxcConfig(sm, cfg);
  ASSERT_TRUE(a.ok());
  auto fs_ = verifyAudited(a, catalog());
  const auto* s = layer(find(fs_, "SYS-KEXEC"), Layer::Seccomp);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->evaluated);
  EXPECT_FALSE(s->blocks);
  EXPECT_EQ(find(fs_, "CAP-PRIVILEGED").status, Status::Open);   // no cap.drop, privileged: keep all
  // No lxc.mount.auto: LXC mounts no /proc, so nothing under /proc is reachable.
  const auto* m = layer(find(fs_, "ESC-SYSRQ"), Layer::Mount);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->blocks) << m->rule;
}

TEST(AuditLxc, Errors) {
  TempDir t;
  SourceManager sm;
  auto missing = auditLxcConfig(sm, t.write("e/config", "lxc.include = /nonexistent/ward.conf\n"));
  EXPECT_FALSE(missing.ok());
  EXPECT_TRUE(verifyAudited(missing, catalog()).empty());
  auto badSeccomp = auditLxcConfig(sm, t.write("f/config", "lxc.seccomp.profile = " + t.write("bad.seccomp", "7\n") + "\n"));
  EXPECT_FALSE(badSeccomp.ok());
  auto both = auditLxcConfig(sm, t.write("g/config", "lxc.cap.keep = chown\nlxc.cap.drop = sys_admin\n"));
  EXPECT_FALSE(both.ok());
}

// ---- OCI: runc's default config.json ----------------------------------------------------------------------------
// `runc spec` of runc 1.1.5 (Debian 12), verbatim.
const char* kRuncSpec = R"({
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": true,
		"user": {
			"uid": 0,
			"gid": 0
		},
		"args": [
			"sh"
		],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"effective": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"permitted": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"ambient": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			]
		},
		"rlimits": [
			{
				"type": "RLIMIT_NOFILE",
				"hard": 1024,
				"soft": 1024
			}
		],
		"noNewPrivileges": true
	},
	"root": {
		"path": "rootfs",
		"readonly": true
	},
	"hostname": "runc",
	"mounts": [
		{
			"destination": "/proc",
			"type": "proc",
			"source": "proc"
		},
		{
			"destination": "/dev",
			"type": "tmpfs",
			"source": "tmpfs",
			"options": [
				"nosuid",
				"strictatime",
				"mode=755",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/pts",
			"type": "devpts",
			"source": "devpts",
			"options": [
				"nosuid",
				"noexec",
				"newinstance",
				"ptmxmode=0666",
				"mode=0620",
				"gid=5"
			]
		},
		{
			"destination": "/dev/shm",
			"type": "tmpfs",
			"source": "shm",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"mode=1777",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/mqueue",
			"type": "mqueue",
			"source": "mqueue",
			"options": [
				"nosuid",
				"noexec",
				"nodev"
			]
		},
		{
			"destination": "/sys",
			"type": "sysfs",
			"source": "sysfs",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"ro"
			]
		},
		{
			"destination": "/sys/fs/cgroup",
			"type": "cgroup",
			"source": "cgroup",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"relatime",
				"ro"
			]
		}
	],
	"linux": {
		"resources": {
			"devices": [
				{
					"allow": false,
					"access": "rwm"
				}
			]
		},
		"namespaces": [
			{
				"type": "pid"
			},
			{
				"type": "network"
			},
			{
				"type": "ipc"
			},
			{
				"type": "uts"
			},
			{
				"type": "mount"
			}
		],
		"maskedPaths": [
			"/proc/acpi",
			"/proc/asound",
			"/proc/kcore",
			"/proc/keys",
			"/proc/latency_stats",
			"/proc/timer_list",
			"/proc/timer_stats",
			"/proc/sched_debug",
			"/sys/firmware",
			"/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus",
			"/proc/fs",
			"/proc/irq",
			"/proc/sys",
			"/proc/sysrq-trigger"
		]
	}
})";

TEST(AuditOci, RuncSpecDefault) {
  SourceManager sm;
  auto a = auditOciText(sm, "runc-spec/config.json", kRuncSpec);
  ASSERT_TRUE(a.ok()) << (a.errors.empty() ? "" : a.errors.front());
  EXPECT_EQ(a.policy.name, "runc-spec");
  auto fs_ = verifyAudited(a, catalog());
  printOpen("runc spec config.json", sm, a, fs_);
  // No user namespace: open, pointing at linux.namespaces (line 159 of the file above).
  const auto& priv = find(fs_, "NS-PRIVILEGED");
  EXPECT_EQ(priv.status, Status::Open);
  EXPECT_NE(sm.lineText(priv.span.file, priv.span.line).find("\"namespaces\""), std::string::npos);
  // Three capabilities: sys_admin is not among them, so the mount-based entries are blocked by it.
  const auto* c = layer(find(fs_, "MNT-SECURITYFS"), Layer::Capabilities);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->blocks);
  // No linux.seccomp: every call is allowed, and the interpreter says so.
  const auto* s = layer(find(fs_, "SYS-BPF"), Layer::Seccomp);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->evaluated);
  EXPECT_FALSE(s->blocks);
  EXPECT_NE(s->rule.find("ALLOW"), std::string::npos) << s->rule;
  // /proc/kcore is masked exactly as the config says.
  const auto* k = layer(find(fs_, "ESC-KCORE"), Layer::Mount);
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->blocks) << k->rule;
  // readonlyPaths /proc/sys: core_pattern is not writable.
  const auto* cp = layer(find(fs_, "ESC-CORE-PATTERN"), Layer::Mount);
  ASSERT_TRUE(cp);
  EXPECT_TRUE(cp->blocks) << cp->rule;
  // ambient capabilities are set, no_new_privs holds: one layer.
  const auto& inh = find(fs_, "CAP-INHERITABLE");
  ASSERT_EQ(inh.layers.size(), 2u);
  EXPECT_FALSE(inh.layers[0].blocks) << inh.layers[0].rule;   // inheritable-empty: ambient is set
  EXPECT_NE(inh.layers[0].rule.find("ambient"), std::string::npos) << inh.layers[0].rule;
  EXPECT_TRUE(inh.layers[1].blocks) << inh.layers[1].rule;    // no-new-privs
  EXPECT_NE(find(fs_, "CAP-NNP").status, Status::Open);
  // A new, empty network namespace: network entries do not apply.
  EXPECT_EQ(find(fs_, "NET-IPV6-RA").status, Status::NotApplicable);
  // No pids limit.
  EXPECT_EQ(find(fs_, "RES-PIDS").status, Status::Open);
}

TEST(AuditOci, SeccompCompiledLikeRunc) {
  std::string cfg = R"({"process": {"capabilities": {"bounding": ["CAP_CHOWN"]}, "noNewPrivileges": true},
  "linux": {"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
                           {"type": "mount"}, {"type": "user"}],
            "uidMappings": [{"containerID": 0, "hostID": 300000, "size": 65536}],
            "gidMappings": [{"containerID": 0, "hostID": 300000, "size": 65536}],
            "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
                        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                        "syscalls": [{"names": ["read", "write", "exit_group", "bpf"], "action": "SCMP_ACT_ALLOW"}]}}})";
  SourceManager sm;
  auto a = auditOciText(sm, "bundle/config.json", cfg);
  ASSERT_TRUE(a.ok()) << (a.errors.empty() ? "" : a.errors.front());
  auto fs_ = verifyAudited(a, catalog());
  EXPECT_EQ(find(fs_, "NS-PRIVILEGED").status, Status::Blocked);
  const auto* s = layer(find(fs_, "SYS-BPF"), Layer::Seccomp);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->blocks);   // bpf is allowed by the rule...
  EXPECT_EQ(where(sm, s->span), "bundle/config.json:8");   // ...at its syscalls entry
  const auto* k = layer(find(fs_, "SYS-KEXEC"), Layer::Seccomp);
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->blocks) << k->rule;   // ERRNO(38)
  EXPECT_NE(k->rule.find("ERRNO(38)"), std::string::npos) << k->rule;
}

TEST(AuditOci, NotJson) {
  SourceManager sm;
  EXPECT_FALSE(auditOciText(sm, "x.json", "not json").ok());
  EXPECT_FALSE(auditOciConfig(sm, "/nonexistent/config.json").ok());
}

// A read-only root, from OCI's root.readonly or LXC's lxc.rootfs.options, is read into the policy's
// rootReadOnly; an entry that must write a file on the root file system (none in the stdlib catalog: a site
// catalog's) is blocked by the mount layer there, at the setting.
TEST(AuditReadOnlyRoot, OciAndLxcReadIntoTheSameField) {
  Catalog site;
  std::vector<std::string> errors;
  ASSERT_TRUE(parseCatalog("site.json", R"({"format":"ward-escape-catalog/1","entries":[
    {"id":"SITE-ROOTFS-WRITE","title":"t","summary":"s","fix":"f","severity":"high","component":"kernel","year":2025,
     "source":"https://example.org","guards":[{"layer":"mount","any":[{"path":"/usr/bin/helper","access":"w"}]}]}]})",
                           site, errors)) << (errors.empty() ? "" : errors.front());
  auto mountLayer = [&](const Audited& a) {
    auto fs_ = verifyAudited(a, site);
    return *layer(find(fs_, "SITE-ROOTFS-WRITE"), Layer::Mount);
  };
  SourceManager sm;
  auto ro = auditOciText(sm, "ro/config.json", "{\"root\": {\"path\": \"rootfs\",\n \"readonly\": true}}");
  ASSERT_TRUE(ro.ok()) << (ro.errors.empty() ? "" : ro.errors.front());
  EXPECT_TRUE(ro.policy.files.rootReadOnly.value);
  LayerVerdict v = mountLayer(ro);
  EXPECT_TRUE(v.evaluated);
  EXPECT_TRUE(v.blocks) << v.rule;
  EXPECT_EQ(where(sm, v.span), "ro/config.json:2");
  auto rw = auditOciText(sm, "rw/config.json", R"({"root": {"path": "rootfs", "readonly": false}})");
  ASSERT_TRUE(rw.ok());
  EXPECT_FALSE(rw.policy.files.rootReadOnly.value);
  EXPECT_FALSE(mountLayer(rw).evaluated);   // a writable root: not the mount layer's to judge

  TempDir t;
  std::string cfg = t.write("c/config", "lxc.cap.keep = chown\nlxc.rootfs.options = idmap=container,ro\n");
  auto lxc = auditLxcConfig(sm, cfg);
  ASSERT_TRUE(lxc.ok()) << (lxc.errors.empty() ? "" : lxc.errors.front());
  EXPECT_TRUE(lxc.policy.files.rootReadOnly.value);
  v = mountLayer(lxc);
  EXPECT_TRUE(v.blocks) << v.rule;
  EXPECT_EQ(where(sm, v.span), cfg + ":2");
  EXPECT_NE(v.rule.find("lxc.rootfs.options = idmap=container,ro"), std::string::npos) << v.rule;
}

}  // namespace
}  // namespace ward::verify
