// One test (at least) per semantic check: the code, the line:col, and the message's key parts.
#include "helpers.h"

using namespace ward;
using namespace ward::sema::testing;

namespace {
std::string pol(const std::string& body) { return "policy p {\n" + body + "\n}\n"; }

const Diagnostic* findAt(const SemaRun& r, const std::string& code) { return r.find(code); }
}  // namespace

TEST(SemaChecks, UnknownSectionSuggests) {
  std::string t = pol("  flies { read \"/a\"; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0201", t, "flies");
  ASSERT_NE(findAt(r, "E0201"), nullptr);
  EXPECT_NE(findAt(r, "E0201")->message.find("did you mean `files`?"), std::string::npos);
}

TEST(SemaChecks, UnknownStatementSuggests) {
  std::string t = pol("  files { raed \"/a\"; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0206", t, "raed");
  EXPECT_NE(r.find("E0206")->message.find("`read`"), std::string::npos);
}

TEST(SemaChecks, UnknownLimitSuggests) {
  std::string t = pol("  limits { memroy 5MiB; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0209", t, "memroy");
  EXPECT_NE(r.find("E0209")->message.find("did you mean `memory`?"), std::string::npos);
}

TEST(SemaChecks, UnknownSyscallSuggestsAndOtherArchesCount) {
  std::string t = pol("  syscalls { allow opne; allow mmap2, arch_prctl; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0202", t, "opne");
  EXPECT_EQ(r.count("E0202"), 1u) << r.dump();  // mmap2 exists on x86 only: still known
  EXPECT_NE(r.find("E0202")->message.find("did you mean `open`?"), std::string::npos);
}

TEST(SemaChecks, UnknownCapability) {
  std::string t = pol("  capabilities { keep net_bind_servce, 41, cap_chown, 10; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0203", t, "net_bind_servce");
  EXPECT_DIAG_AT(r, "E0203", t, "41");
  EXPECT_DIAG_AT(r, "E0203", t, "cap_chown");
  EXPECT_EQ(r.count("E0203"), 3u);
  EXPECT_NE(r.find("E0203")->message.find("`net_bind_service`"), std::string::npos);
}

TEST(SemaChecks, CapabilityByNumber) {
  SemaRun r;
  analyzeText(r, pol("  capabilities { keep 10, chown; drop sys_admin; }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& keep = r.policy().capabilities.keep;
  ASSERT_EQ(keep.size(), 2u);
  EXPECT_EQ(keep[0].name, "chown");  // sorted by number
  EXPECT_EQ(keep[1].name, "net_bind_service");
  EXPECT_EQ(keep[1].number, 10);
  ASSERT_EQ(r.policy().capabilities.drop.size(), 1u);
  EXPECT_EQ(r.policy().capabilities.drop[0].number, 21);
}

TEST(SemaChecks, UnknownErrnoAndRange) {
  std::string t = pol("  syscalls { deny ptrace errno EPRM; deny kexec_load errno 4096; deny iopl errno 13; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0205", t, "EPRM");
  EXPECT_NE(r.find("E0205")->message.find("`EPERM`"), std::string::npos);
  EXPECT_DIAG_AT(r, "E0301", t, "4096");
  ASSERT_EQ(r.result.policies.size(), 1u);
  const auto& rules = r.policy().syscalls.rules;
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].name, "iopl");
  EXPECT_EQ(rules[0].action.errnoValue, 13);
  EXPECT_EQ(rules[0].action.errnoName, "EACCES");
}

TEST(SemaChecks, UnknownGroup) {
  std::string t = "group @web \"web\" { read; }\n" + pol("  syscalls { allow @wbe; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0204", t, "@wbe");
  EXPECT_NE(r.find("E0204")->message.find("`@web`"), std::string::npos);
}

TEST(SemaChecks, NonNamespacedSysctl) {
  std::string t = pol("  sysctl {\n    kernel.core_pattern = \"|/x\";\n    user.max_user_namespaces = 0;\n"
                      "    net.ipv4.ip_forward = 0;\n    kernel.shmmax = 268435456;\n  }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0504", t, "kernel.core_pattern");
  EXPECT_DIAG_AT(r, "E0504", t, "user.max_user_namespaces");
  EXPECT_EQ(r.count("E0504"), 2u);
  const auto& s = r.policy().sysctls;
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].key, "kernel.shmmax");  // sorted by key
  EXPECT_EQ(s[1].key, "net.ipv4.ip_forward");
  EXPECT_EQ(s[1].value, "0");
}

TEST(SemaChecks, BadUnitAndOverflow) {
  std::string t = pol("  limits {\n    memory 5Mb;\n    swap 16777216TiB;\n    pids 99999999999999999999;\n"
                      "    memory.high 1.3B;\n  }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0302", t, "5Mb");
  EXPECT_NE(r.find("E0302")->message.find("`Mb`"), std::string::npos);
  EXPECT_DIAG_AT(r, "E0303", t, "16777216TiB");
  EXPECT_DIAG_AT(r, "E0303", t, "99999999999999999999");
  EXPECT_DIAG_AT(r, "E0301", t, "1.3B");
}

TEST(SemaChecks, LimitsConvertExactly) {
  SemaRun r;
  analyzeText(r, pol("  limits {\n    memory 512MiB; memory.high 1.5GiB; swap 0;\n    cpu 1.5; cpu.weight 100;"
                     " cpuset \"0-1\";\n    pids 256; io.weight 50; io.read_bps \"8:0\" 10MiB; io.write_bps \"8:0\" 5MB;\n"
                     "    hugetlb 2MB 0; nofile 1024 4096; core 0; stack unlimited; memlock 64KiB;\n"
                     "    inotify.instances 128; inotify.watches 8192; pty 16;\n  }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& l = r.policy().limits;
  EXPECT_EQ(l.memoryMax->value, 512ULL << 20);
  EXPECT_EQ(l.memoryHigh->value, 3ULL << 29);
  EXPECT_EQ(l.swapMax->value, 0u);
  EXPECT_EQ(l.cpuQuotaMicros->value, 150000u);
  EXPECT_EQ(l.cpuWeight->value, 100u);
  EXPECT_EQ(l.cpuset->value, "0-1");
  EXPECT_EQ(l.pids->value, 256u);
  EXPECT_EQ(l.ioWeight->value, 50u);
  ASSERT_EQ(l.ioBps.size(), 2u);
  EXPECT_FALSE(l.ioBps[0].write);
  EXPECT_EQ(l.ioBps[0].bytesPerSecond, 10ULL << 20);
  EXPECT_EQ(l.ioBps[1].bytesPerSecond, 5000000u);
  ASSERT_EQ(l.hugetlb.size(), 1u);
  EXPECT_EQ(l.hugetlb[0].pageSize, "2MB");
  ASSERT_EQ(l.rlimits.size(), 4u);  // sorted by name: core, memlock, nofile, stack
  EXPECT_EQ(l.rlimits[0].name, "core");
  EXPECT_EQ(l.rlimits[1].name, "memlock");
  EXPECT_EQ(l.rlimits[1].soft, 65536u);
  EXPECT_EQ(l.rlimits[2].name, "nofile");
  EXPECT_EQ(l.rlimits[2].soft, 1024u);
  EXPECT_EQ(l.rlimits[2].hard, 4096u);
  EXPECT_EQ(l.rlimits[3].soft, ir::kUnlimited);
  EXPECT_EQ(l.inotifyWatches->value, 8192u);
  EXPECT_EQ(l.ptyMax->value, 16u);
  EXPECT_EQ(l.memoryMax->span.line, 3u);
  EXPECT_EQ(l.memoryMax->span.col, 5u);
}

TEST(SemaChecks, CpuAndWeightRanges) {
  std::string t = pol("  limits { cpu 0.000001; cpu.weight 10001; nofile 10 5; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0301", t, "0.000001");
  EXPECT_DIAG_AT(r, "E0301", t, "10001");
  EXPECT_DIAG_AT(r, "E0301", t, "10 5");
}

TEST(SemaChecks, PortsOutOfRange) {
  std::string t = pol("  network { listen tcp 0, 65536, 8000-8080; connect udp 53; connect tcp \"db\" 70000; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0301", t, "0,");
  EXPECT_DIAG_AT(r, "E0301", t, "65536");
  EXPECT_DIAG_AT(r, "E0301", t, "70000");
  EXPECT_EQ(r.count("E0301"), 3u) << r.dump();
}

TEST(SemaChecks, PortsAndEndpoints) {
  SemaRun r;
  analyzeText(r, pol("  network { listen tcp 80, 443; listen udp 8000-8080; connect tcp \"db.internal\" 5432; }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& n = r.policy().network;
  ASSERT_EQ(n.listen.size(), 2u);
  ASSERT_EQ(n.listen[0].ports.size(), 2u);
  EXPECT_EQ(n.listen[0].ports[1].first, 443);
  EXPECT_EQ(n.listen[1].proto, ir::Endpoint::Proto::Udp);
  EXPECT_EQ(n.listen[1].ports[0].first, 8000);
  EXPECT_EQ(n.listen[1].ports[0].last, 8080);
  ASSERT_EQ(n.connect.size(), 1u);
  EXPECT_EQ(n.connect[0].host, "db.internal");
}

TEST(SemaChecks, AllowAndDenySameSyscall) {
  std::string t = pol("  syscalls {\n    allow ptrace;\n    deny ptrace;\n    allow clone(flags == 0);\n"
                      "    deny clone(flags & CLONE_NEWUSER != 0);\n  }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0403", t, "ptrace", 1);
  EXPECT_EQ(r.count("E0403"), 1u) << r.dump();  // clone has different conditions: fine
  const auto* d = r.find("E0403");
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(d->notes[0].span.line, where(t, "ptrace").first);
  EXPECT_NE(d->message.find("both allowed and denied"), std::string::npos);
}

TEST(SemaChecks, GroupMemberConflictsWithExplicitRule) {
  std::string t = "group @g \"\" { ptrace, read; }\n" + pol("  syscalls { allow @g; kill ptrace; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0403", t, "ptrace", 1);
  ASSERT_NE(r.find("E0403"), nullptr);
  EXPECT_NE(r.find("E0403")->notes[0].message.find("@g"), std::string::npos);
}

TEST(SemaChecks, SingleValueSetTwice) {
  std::string t = pol("  limits { memory 1GiB; memory 2GiB; }\n  syscalls { default kill; default allow; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0402", t, "memory 2GiB");
  EXPECT_DIAG_AT(r, "E0402", t, "default allow");
  const auto* d = r.find("E0402");
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(d->notes[0].message, "first set here");
  EXPECT_EQ(d->notes[0].span.col, where(t, "memory 1GiB").second);
}

TEST(SemaChecks, SectionRepeated) {
  std::string t = pol("  files { read \"/a\"; }\n  files { read \"/b\"; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0404", t, "files", 1);
  ASSERT_EQ(r.find("E0404")->notes.size(), 1u);
}

TEST(SemaChecks, FamiliesAny) {
  SemaRun r;
  analyzeText(r, pol("  network { families any; }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  ASSERT_TRUE(r.policy().network.familiesAny.has_value());
  EXPECT_TRUE(r.policy().network.familiesAny->valid());
  for (const char* bad : {"  network { families inet; }", "  network { families; }", "  network { families any any; }"}) {
    std::string t = pol(bad);
    SemaRun b;
    analyzeText(b, t);
    EXPECT_FALSE(b.errorFree()) << bad;
  }
  std::string t = pol("  network { families inet; }");
  SemaRun b;
  analyzeText(b, t);
  EXPECT_DIAG_AT(b, "E0304", t, "inet");
}

TEST(SemaChecks, NetworkNoneContradiction) {
  std::string t = pol("  network { none; listen tcp 80; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0405", t, "listen");
  EXPECT_EQ(r.find("E0405")->notes.at(0).span.col, where(t, "none").second);
}

TEST(SemaChecks, PrivilegedWithIdmapContradiction) {
  std::string t = pol("  identity { privileged \"needs host root\"; idmap uid 0 100000 65536; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0405", t, "idmap");
  EXPECT_EQ(r.count("E0501"), 0u);
}

TEST(SemaChecks, RelativeAndDotDotPaths) {
  std::string t = pol("  files { read \"etc/x\", \"/etc/../shadow\", \"/ok/..x\"; }\n"
                      "  mounts { bind \"srv\" at \"/x\"; tmpfs \"/a/../b\"; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0502", t, "\"etc/x\"");
  EXPECT_DIAG_AT(r, "E0503", t, "\"/etc/../shadow\"");
  EXPECT_DIAG_AT(r, "E0502", t, "\"srv\"");
  EXPECT_DIAG_AT(r, "E0503", t, "\"/a/../b\"");
  EXPECT_EQ(r.count("E0502") + r.count("E0503"), 4u) << r.dump();  // "/ok/..x" is fine
}

TEST(SemaChecks, PrivilegedMustBeDeclared) {
  std::string t = pol("  identity { idmap none; }\n  capabilities { keep all; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0501", t, "idmap none");
  EXPECT_DIAG_AT(r, "E0501", t, "keep all");
  EXPECT_NE(r.find("E0501")->message.find("privileged"), std::string::npos);

  SemaRun ok;
  analyzeText(ok, pol("  identity { privileged \"loads wireguard\"; }\n  capabilities { keep all; }"));
  EXPECT_TRUE(ok.errorFree()) << ok.dump();
  EXPECT_TRUE(ok.policy().identity.privileged);
  EXPECT_FALSE(ok.policy().identity.idmapAuto);
  EXPECT_EQ(ok.policy().identity.privilegedReason, "loads wireguard");
  EXPECT_TRUE(ok.policy().capabilities.keepAll);

  std::string e = pol("  identity { privileged \"  \"; }");
  SemaRun empty;
  analyzeText(empty, e);
  EXPECT_DIAG_AT(empty, "E0501", e, "\"  \"");
}

TEST(SemaChecks, IdmapExplicit) {
  SemaRun r;
  analyzeText(r, pol("  identity { idmap uid 0 100000 65536; idmap gid 0 200000 65536; no_new_privs off; }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& id = r.policy().identity;
  EXPECT_FALSE(id.idmapAuto);
  ASSERT_EQ(id.idmaps.size(), 2u);
  EXPECT_EQ(id.idmaps[0].kind, 'u');
  EXPECT_EQ(id.idmaps[1].outside, 200000u);
  EXPECT_FALSE(id.noNewPrivs.value);
}

TEST(SemaChecks, ArgumentNamesAndConstants) {
  std::string t = pol("  syscalls { deny clone(flgs & CLONE_NEWUSER != 0); deny socket(domain == AF_INTE); "
                      "allow personality(persona == PER_LINUX); }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0208", t, "flgs");
  EXPECT_NE(r.find("E0208")->message.find("`flags`"), std::string::npos);
  EXPECT_DIAG_AT(r, "E0208", t, "AF_INTE");
  EXPECT_EQ(r.count("E0208"), 2u);
}

TEST(SemaChecks, MaskedConditionsLowering) {
  SemaRun r;
  analyzeText(r, pol("  syscalls {\n    deny clone(flags & CLONE_NEWUSER != 0) errno EPERM;\n"
                     "    deny unshare(flags & CLONE_NEWUSER == CLONE_NEWUSER);\n"
                     "    deny setns(nstype & CLONE_NEWNS | CLONE_NEWNET != 0);\n"
                     "    allow socket(domain == AF_INET, type >= 2);\n  }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& rules = r.policy().syscalls.rules;
  ASSERT_EQ(rules.size(), 5u);
  using Op = ir::ArgCondition::Op;
  // clone: (flags & NEWUSER) != 0  ->  (flags & NEWUSER) == NEWUSER
  EXPECT_EQ(rules[0].name, "clone");
  ASSERT_EQ(rules[0].conditions.size(), 1u);
  EXPECT_EQ(rules[0].conditions[0].op, Op::MaskedEq);
  EXPECT_EQ(rules[0].conditions[0].mask, 0x10000000u);
  EXPECT_EQ(rules[0].conditions[0].value, 0x10000000u);
  EXPECT_EQ(rules[0].action.errnoName, "EPERM");
  // setns: (nstype & (NEWNS|NEWNET)) != 0  ->  one rule per bit
  EXPECT_EQ(rules[1].name, "setns");
  EXPECT_EQ(rules[2].name, "setns");
  EXPECT_EQ(rules[1].conditions[0].index, 1u);
  EXPECT_EQ(rules[1].conditions[0].mask | rules[2].conditions[0].mask, 0x20000u | 0x40000000u);
  EXPECT_EQ(rules[1].conditions[0].value, rules[1].conditions[0].mask);
  // socket: two conditions, AND
  EXPECT_EQ(rules[3].name, "socket");
  ASSERT_EQ(rules[3].conditions.size(), 2u);
  EXPECT_EQ(rules[3].conditions[1].op, Op::Ge);
  EXPECT_EQ(rules[3].action.kind, ir::Action::Kind::Allow);
  EXPECT_EQ(rules[4].name, "unshare");
  EXPECT_EQ(rules[4].conditions[0].op, Op::MaskedEq);
}

TEST(SemaChecks, MaskedOrderingIsNotExpressible) {
  std::string t = pol("  syscalls { deny clone(flags & 0xff < 3); }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0306", t, "<");
}

TEST(SemaChecks, RuntimeSyscallsBlockedWarn) {
  std::string t = pol("  syscalls { default kill; allow read, write; deny execve; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_TRUE(r.errorFree()) << r.dump();
  const auto* w = r.find("W0004");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->severity, Severity::Warning);
  EXPECT_EQ(w->span.line, 1u);
  EXPECT_NE(w->message.find("execve"), std::string::npos);
  EXPECT_NE(w->message.find("exit_group"), std::string::npos);
  EXPECT_EQ(w->message.find(" read,"), std::string::npos);
  EXPECT_NE(w->message.find("would not start"), std::string::npos);

  SemaRun ok;
  analyzeText(ok, pol("  syscalls { default allow; deny ptrace; }"));
  EXPECT_EQ(ok.find("W0004"), nullptr) << ok.dump();
}

TEST(SemaChecks, DevicesKnownAndExplicit) {
  std::string t = pol("  devices {\n    allow \"/dev/fuse\" rw;\n    allow char 10:200 \"/dev/net/tun\" rw;\n"
                      "    allow block 7:* rwm;\n    allow \"/dev/foo\" r;\n    allow \"/dev/null\" rx;\n  }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0210", t, "\"/dev/foo\"");
  EXPECT_DIAG_AT(r, "E0304", t, "rx");
  const auto& d = r.policy().devices;
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].major, 10);
  EXPECT_EQ(d[0].minor, 229);
  EXPECT_TRUE(d[0].write);
  EXPECT_FALSE(d[0].mknod);
  EXPECT_EQ(d[1].path, "/dev/net/tun");
  EXPECT_EQ(d[2].type, 'b');
  EXPECT_EQ(d[2].minor, -1);
  EXPECT_TRUE(d[2].mknod);
}

TEST(SemaChecks, GroupsExpandSortedAndMerged) {
  std::string t = "group @a \"\" { write, read, @b; }\ngroup @b \"\" { close, read; }\n" +
                  pol("  syscalls { allow @a; allow read; }");
  SemaRun r;
  analyzeText(r, t);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& rules = r.policy().syscalls.rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].name, "close");
  EXPECT_EQ(rules[0].viaGroup, "@a");
  EXPECT_EQ(rules[1].name, "read");
  EXPECT_EQ(rules[2].name, "write");
  EXPECT_EQ(rules[0].span.line, 4u);
}

TEST(SemaChecks, GroupCycleAndDuplicate) {
  std::string t = "group @a \"\" { read, @b; }\ngroup @b \"\" { @a; }\ngroup @a \"\" { write; }\n" + pol("");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0105", t, "@a", 1);
  EXPECT_DIAG_AT(r, "E0106", t, "@a", 2);
  EXPECT_GE(r.find("E0105")->notes.size(), 1u);
}

TEST(SemaChecks, FilesModes) {
  SemaRun r;
  analyzeText(r, pol("  files {\n    read \"/etc/**\";\n    write \"/var/log/**\";\n    owner write \"/home/*/**\";\n"
                     "    deny \"/etc/shadow\";\n    deny write \"/etc/**\";\n  }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& f = r.policy().files.rules;
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0].access, unsigned{ir::kRead});
  EXPECT_EQ(f[1].access, unsigned{ir::kRead | ir::kWrite});
  EXPECT_TRUE(f[2].owner);
  EXPECT_TRUE(f[3].deny);
  EXPECT_EQ(f[3].access, unsigned{ir::kRead | ir::kWrite | ir::kAppend | ir::kExec | ir::kLink | ir::kLock});
  EXPECT_EQ(f[4].access, unsigned{ir::kWrite});
  EXPECT_EQ(f[1].span.line, 4u);
}

TEST(SemaChecks, MountsAndModes) {
  SemaRun r;
  analyzeText(r, pol("  mounts {\n    bind \"/srv/www\" at \"/var/www\";\n    bind \"/srv/c\" at \"/var/c\" rw noexec optional;\n"
                     "    tmpfs \"/tmp\" size 64MiB mode 0o1777;\n    proc ro; sys off; cgroup rw;\n  }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& f = r.policy().files;
  ASSERT_EQ(f.mounts.size(), 3u);
  EXPECT_EQ(f.mounts[0].target, "/tmp");  // ordered by target
  EXPECT_EQ(*f.mounts[0].sizeBytes, 64ULL << 20);
  EXPECT_EQ(*f.mounts[0].mode, 01777u);
  EXPECT_EQ(f.mounts[1].target, "/var/c");
  EXPECT_FALSE(f.mounts[1].readOnly);
  EXPECT_TRUE(f.mounts[1].noexec);
  EXPECT_TRUE(f.mounts[2].readOnly);
  EXPECT_EQ(f.proc.value, ir::FsMode::Ro);
  EXPECT_EQ(f.sys.value, ir::FsMode::Off);
  EXPECT_EQ(f.cgroup.value, ir::FsMode::Rw);
}

TEST(SemaChecks, RootReadOnly) {
  SemaRun r;
  analyzeText(r, pol("  mounts {\n    root ro;\n    tmpfs \"/tmp\" size 16MiB;\n  }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  EXPECT_TRUE(r.policy().files.rootReadOnly.value);
  EXPECT_TRUE(r.policy().files.rootReadOnly.span.valid());
  SemaRun dflt;
  analyzeText(dflt, pol("  mounts { tmpfs \"/tmp\"; }"));
  ASSERT_TRUE(dflt.errorFree()) << dflt.dump();
  EXPECT_FALSE(dflt.policy().files.rootReadOnly.value);   // rw unless said
  EXPECT_FALSE(dflt.policy().files.rootReadOnly.span.valid());
  SemaRun bad;
  analyzeText(bad, pol("  mounts { root ron; }"));
  const Diagnostic* d = bad.find("E0304");
  ASSERT_NE(d, nullptr) << bad.dump();
  EXPECT_NE(d->message.find("did you mean `ro`"), std::string::npos) << d->message;
  SemaRun twice;
  analyzeText(twice, pol("  mounts { root ro; root rw; }"));
  EXPECT_FALSE(twice.errorFree()) << twice.dump();
}

TEST(SemaChecks, OtherSections) {
  SemaRun r;
  analyzeText(r, pol("  selinux { type container_t; categories c345, c12; }\n"
                     "  apparmor { profile \"ward-web\"; flags mediate_deleted, attach_disconnected; nesting on;"
                     " rule \"deny /sys/kernel/security/** rwklx,\"; }\n"
                     "  lxc { set \"lxc.environment\" = \"A=1\"; hook pre-start \"/usr/local/bin/prep\"; }\n"
                     "  verify { fail_on high; accept ESC-KCORE \"masked here\"; }\n"
                     "  syscalls { arch x86_64, x32; foreign errno EPERM; }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& p = r.policy();
  EXPECT_TRUE(p.selinux.enabled);
  EXPECT_EQ(p.selinux.type, "container_t");
  EXPECT_EQ(p.selinux.categories, (std::vector<std::uint32_t>{12, 345}));
  EXPECT_EQ(p.apparmor.profileName, "ward-web");
  EXPECT_EQ(p.apparmor.flags, (std::vector<std::string>{"attach_disconnected", "mediate_deleted"}));
  EXPECT_TRUE(p.apparmor.nesting.value);
  ASSERT_EQ(p.apparmor.rawRules.size(), 1u);
  ASSERT_EQ(p.lxc.raw.size(), 1u);
  EXPECT_EQ(p.lxc.raw[0].value, "A=1");
  ASSERT_EQ(p.lxc.hooks.size(), 1u);
  EXPECT_EQ(p.lxc.hooks[0].type, "pre-start");
  EXPECT_EQ(p.verify.failOn->value, "high");
  ASSERT_EQ(p.verify.accepts.size(), 1u);
  EXPECT_EQ(p.verify.accepts[0].id, "ESC-KCORE");
  EXPECT_EQ(p.syscalls.arches, (std::vector<std::string>{"x86_64", "x32"}));
  EXPECT_EQ(p.syscalls.foreignAction.value.errnoValue, 1);
}

TEST(SemaChecks, UnknownArchitecture) {
  std::string t = pol("  syscalls { arch x86_46; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0212", t, "x86_46");
}
