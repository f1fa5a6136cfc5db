// Module loading, name resolution, inheritance and the whole-policy checks.
#include "sema/sema.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "base/sha256.h"
#include "sema/internal.h"
#include "sema/names.h"
#include "sema/run.h"
#include "ward/config.h"
#include "base/strings.h"
#include "ward/source_dir.h"

namespace ward::sema {

namespace fs = std::filesystem;

FileReader::~FileReader() = default;

std::optional<std::string> FileReader::read(const std::string& path) const {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

std::vector<std::string> searchPath(const std::vector<std::string>& includeDirs, const char* wardPathEnv,
                                    const std::string& executableDir) {
  std::vector<std::string> out;
  auto add = [&](const std::string& d) {
    if (!d.empty() && std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  };
  for (const auto& d : includeDirs) add(d);
  if (wardPathEnv) {
    std::string s(wardPathEnv);
    std::size_t i = 0;
    while (i <= s.size()) {
      std::size_t j = s.find(':', i);
      if (j == std::string::npos) j = s.size();
      add(s.substr(i, j - i));
      i = j + 1;
    }
  }
  // The installed stdlib: beside the binary first (<prefix>/bin/ward -> <prefix>/share/ward/stdlib), so an
  // install into any prefix works; then the prefix configured at build time.
  if (!executableDir.empty()) {
    std::error_code ec;
    fs::path rel = fs::path(executableDir) / ".." / "share" / "ward" / "stdlib";
    if (fs::is_directory(rel, ec)) add(fs::weakly_canonical(rel, ec).string());
  }
  add(WARD_INSTALL_STDLIB);
  if (!executableDir.empty()) {
    std::error_code ec;
    fs::path p = fs::absolute(executableDir, ec);
    if (!ec) {
      for (int depth = 0; depth < 64; ++depth) {
        if (fs::exists(p / "CMakeCache.txt", ec)) {
          add(WARD_SOURCE_STDLIB);
          break;
        }
        if (!p.has_parent_path() || p.parent_path() == p) break;
        p = p.parent_path();
      }
    }
  }
  return out;
}

namespace detail {
namespace {

std::string q(std::string_view s) { return "`" + std::string(s) + "`"; }


std::string fileKey(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) p = fs::path(path);
  return p.lexically_normal().string();
}

// Chains of imports, extends, uses and nested groups deeper than this are reported instead of followed
// (recursion stays bounded whatever the input).
constexpr std::size_t kMaxChain = 256;

struct Module {
  FileId file = kNoFile;
  std::string key;
  ast::File ast;
  std::map<std::string, std::size_t> imports;        // visible name -> module index
  std::map<std::string, Span> importSpans;           // visible name -> the import that made it visible
  std::map<std::string, const ast::PolicyDecl*> decls;
};

struct DeclRef {
  std::size_t module = 0;
  const ast::PolicyDecl* decl = nullptr;
};

class Analyzer {
 public:
  Analyzer(SourceManager& sm, const Options& opt, Diagnostics& diags, const ParseFn& parse)
      : sm_(sm), opt_(opt), diags_(diags), parse_(parse), reader_(opt.reader ? *opt.reader : defaultReader_) {}

  Result run(FileId root, std::optional<std::string_view> only);

 private:
  SourceManager& sm_;
  const Options& opt_;
  Diagnostics& diags_;
  const ParseFn& parse_;
  FileReader defaultReader_;
  const FileReader& reader_;

  std::vector<std::unique_ptr<Module>> modules_;
  std::map<std::string, std::size_t> byKey_;
  std::vector<std::size_t> loadStack_;
  std::vector<Span> loadStackSpans_;   // loadStackSpans_[i]: the import in loadStack_[i] being followed
  std::vector<std::string> deps_;
  Groups groups_;
  std::map<FileId, std::string> sha_;  // sha256 of each file's bytes, computed once

  enum class State { InProgress, Done };
  std::map<const ast::PolicyDecl*, State> ownState_, resolvedState_;
  std::map<const ast::PolicyDecl*, Level> own_, resolved_;
  std::vector<std::pair<DeclRef, Span>> useStack_, extendsStack_;

  const std::string& display(std::size_t m) const { return sm_.displayName(modules_[m]->file); }
  std::string declName(const DeclRef& r) const {
    if (r.module == 0) return r.decl->name.text;
    std::string d = display(r.module);
    if (endsWith(d, ".ward")) d.resize(d.size() - 5);
    return d + "." + r.decl->name.text;
  }

  std::size_t load(FileId file, const std::string& key);
  void import(std::size_t m, const ast::Import& imp);
  void buildGroups();
  std::optional<DeclRef> lookup(const DeclRef& from, const ast::QualName& qn, bool wantFragment);
  const Level& ownLevel(const DeclRef& r);
  const Level& resolvedLevel(const DeclRef& r);
  struct Parent {
    DeclRef ref;
    const Level* level;
    Span span;  // the extends reference
  };
  Level inherit(const DeclRef& r, const std::vector<Parent>& parents, const Level& own);
  std::map<const ast::PolicyDecl*, std::vector<DeclRef>> parentsOf_;
  ir::Policy build(const DeclRef& r, const Level& eff);
  void finalChecks(const ir::Policy& p, const Level& eff);
  void remapSpans(ir::Policy& p, FileId own);
};

// ---- loading -----------------------------------------------------------------------------------------
std::size_t Analyzer::load(FileId file, const std::string& key) {
  std::size_t idx = modules_.size();
  modules_.push_back(std::make_unique<Module>());
  Module& m = *modules_.back();
  m.file = file;
  m.key = key;
  byKey_[key] = idx;
  m.ast = parse_(sm_, file, diags_);
  m.ast.file = file;
  loadStack_.push_back(idx);
  for (const auto& d : m.ast.decls)
    if (const auto* imp = std::get_if<ast::Import>(&d)) import(idx, *imp);
  loadStack_.pop_back();
  for (const auto& d : m.ast.decls) {
    const auto* pd = std::get_if<ast::PolicyDecl>(&d);
    if (!pd) continue;
    auto [it, fresh] = m.decls.emplace(pd->name.text, pd);
    if (!fresh) {
      auto& diag = diags_.error(Code::E0106, pd->name.span,
                                std::string(pd->isFragment ? "fragment " : "policy ") + q(pd->name.text) +
                                    " is declared twice in this file");
      diag.notes.push_back({it->second->name.span, "first declared here"});
    }
  }
  return idx;
}

void Analyzer::import(std::size_t mi, const ast::Import& imp) {
  const std::string& path = imp.path.text;
  const std::string importerPath = sm_.file(modules_[mi]->file).path;  // copies: sm_ may grow below
  const std::string importerDisplay = sm_.file(modules_[mi]->file).displayName;
  std::vector<std::string> candidates;
  std::string displayName;
  bool relative = path.rfind("./", 0) == 0 || path.rfind("../", 0) == 0;
  std::string withExt = endsWith(path, ".ward") ? path : path + ".ward";
  std::string stem = fs::path(withExt).stem().string();
  if (path.empty() || endsWith(path, "/")) {
    diags_.error(Code::E0101, imp.path.span, "empty module name");
    return;
  }
  if (relative) {
    fs::path base = fs::path(importerPath.empty() ? importerDisplay : importerPath).parent_path();
    candidates.push_back((base / withExt).lexically_normal().string());
    displayName = (fs::path(importerDisplay).parent_path() / withExt).lexically_normal().string();
  } else if (path[0] == '/') {
    candidates.push_back(fs::path(withExt).lexically_normal().string());
    displayName = candidates.back();
  } else {
    for (const auto& part : fs::path(path)) {
      if (part == "..") {
        diags_.error(Code::E0101, imp.path.span,
                     "module name " + q(path) + " contains `..`; import files relative to this one with \"./\" or \"../\"");
        return;
      }
    }
    for (const auto& dir : opt_.searchPath) candidates.push_back((fs::path(dir) / withExt).lexically_normal().string());
    displayName = withExt;
  }
  std::string visible = imp.alias ? imp.alias->text : stem;

  std::optional<std::size_t> target;
  for (const auto& cand : candidates) {
    std::string key = fileKey(cand);
    if (auto it = byKey_.find(key); it != byKey_.end()) {
      target = it->second;
      break;
    }
    if (loadStack_.size() >= kMaxChain) {
      diags_.error(Code::E0102, imp.span, "imports nest more than " + std::to_string(kMaxChain) + " modules deep");
      return;
    }
    std::optional<FileId> fid = sm_.findByPath(cand);
    if (!fid) {
      auto text = reader_.read(cand);
      if (!text) continue;
      fid = sm_.add(displayName, cand, std::move(*text));
    }
    deps_.push_back(cand);
    loadStackSpans_.push_back(imp.span);
    target = load(*fid, key);
    loadStackSpans_.pop_back();
    break;
  }
  if (!target) {
    std::string where;
    if (relative || path[0] == '/') {
      where = "looked for " + candidates[0];
    } else if (opt_.searchPath.empty()) {
      where = "the module search path is empty (use -I DIR or WARD_PATH)";
    } else {
      where = "searched";
      for (const auto& d : opt_.searchPath) where += " " + d;
    }
    diags_.error(Code::E0101, imp.path.span, "module " + q(path) + " not found (" + where + ")");
    return;
  }
  // A module still being loaded is a cycle.
  auto onStack = std::find(loadStack_.begin(), loadStack_.end(), *target);
  if (onStack != loadStack_.end()) {
    std::size_t k = static_cast<std::size_t>(onStack - loadStack_.begin());
    std::string chain;
    for (std::size_t j = k; j < loadStack_.size(); ++j) chain += display(loadStack_[j]) + " -> ";
    chain += display(*target);
    auto& d = diags_.error(Code::E0102, imp.span, "cyclic import: " + chain);
    for (std::size_t j = k; j + 1 < loadStack_.size(); ++j)
      d.notes.push_back({loadStackSpans_[j], q(display(loadStack_[j])) + " imports " + q(display(loadStack_[j + 1])) + " here"});
    d.notes.push_back({imp.span, q(display(mi)) + " imports " + q(display(*target)) + " here"});
    return;
  }
  Module& m = *modules_[mi];
  auto it = m.imports.find(visible);
  if (it != m.imports.end()) {
    if (it->second != *target) {
      auto& d = diags_.error(Code::E0108, imp.alias ? imp.alias->span : imp.path.span,
                             "two imports are visible as " + q(visible) + "; rename one with `as`");
      d.notes.push_back({m.importSpans[visible], "first import visible as " + q(visible)});
    }
    return;
  }
  m.imports[visible] = *target;
  m.importSpans[visible] = imp.span;
}

// ---- groups ------------------------------------------------------------------------------------------
void Analyzer::buildGroups() {
  std::map<std::string, const ast::GroupDecl*> defs;
  for (const auto& m : modules_)
    for (const auto& d : m->ast.decls) {
      const auto* g = std::get_if<ast::GroupDecl>(&d);
      if (!g) continue;
      auto [it, fresh] = defs.emplace(g->name.text, g);
      if (!fresh) {
        auto& diag = diags_.error(Code::E0106, g->name.span, "syscall group " + q(g->name.text) + " is defined twice");
        diag.notes.push_back({it->second->name.span, "first defined here"});
      }
    }
  std::vector<std::string> allNames;
  for (const auto& [k, _] : defs) allNames.push_back(k);
  std::map<std::string, State> state;
  std::vector<std::pair<std::string, Span>> stack;  // group being expanded, and the member reference followed
  std::map<std::string, std::vector<std::string>>& out = groups_.expanded;

  std::function<void(const std::string&)> expand = [&](const std::string& name) {
    const ast::GroupDecl* g = defs.at(name);
    state[name] = State::InProgress;
    std::set<std::string> members;
    for (const auto& st : g->statements) {
      if (st.assigned) diags_.error(Code::E0304, st.assigned->span, "a group lists system calls and groups; no `= value`");
      for (const auto& cl : st.clauses)
        for (const auto& t : cl.terms) {
          if (t.isCall) {
            diags_.error(Code::E0304, t.span, "group members are names; argument conditions belong in a policy's syscalls section");
            continue;
          }
          if (t.head.kind == ast::Value::Kind::Group) {
            const std::string& ref = t.head.text;
            if (!defs.count(ref)) {
              std::string m = closest(ref, allNames);
              diags_.error(Code::E0204, t.head.span, "unknown syscall group " + q(ref) + (m.empty() ? "" : "; did you mean " + q(m) + "?"));
              continue;
            }
            auto st2 = state.find(ref);
            if (st2 != state.end() && st2->second == State::InProgress) {
              auto pos = std::find_if(stack.begin(), stack.end(), [&](const auto& e) { return e.first == ref; });
              std::string chain;
              for (auto e = pos; e != stack.end(); ++e) chain += e->first + " -> ";
              chain += name + " -> " + ref;
              auto& d = diags_.error(Code::E0105, t.head.span, "cyclic syscall group: " + chain);
              for (auto e = pos; e != stack.end(); ++e) {
                auto nextName = (e + 1 != stack.end()) ? (e + 1)->first : name;
                d.notes.push_back({e->second, q(e->first) + " includes " + q(nextName) + " here"});
              }
              d.notes.push_back({t.head.span, q(name) + " includes " + q(ref) + " here"});
              continue;
            }
            if (st2 == state.end()) {
              if (stack.size() >= kMaxChain) {
                diags_.error(Code::E0105, t.head.span, "syscall groups nest more than " + std::to_string(kMaxChain) + " levels deep");
                continue;
              }
              stack.emplace_back(name, t.head.span);
              expand(ref);
              stack.pop_back();
            }
            const auto& sub = out[ref];
            members.insert(sub.begin(), sub.end());
            continue;
          }
          if (t.head.kind != ast::Value::Kind::Ident) {
            diags_.error(Code::E0304, t.head.span, "expected a system call or @group in a group");
            continue;
          }
          if (!names::findSyscall(t.head.text)) {
            std::string m = closest(t.head.text, names::syscallNames());
            diags_.error(Code::E0202, t.head.span, "unknown system call " + q(t.head.text) +
                                                   (m.empty() ? "" : "; did you mean " + q(m) + "?") +
                                                   " (not known to libseccomp on x86_64, x86 or x32)");
            continue;
          }
          members.insert(t.head.text);
        }
    }
    out[name] = std::vector<std::string>(members.begin(), members.end());
    state[name] = State::Done;
  };
  for (const auto& [name, _] : defs)
    if (!state.count(name)) expand(name);
}

// ---- resolution --------------------------------------------------------------------------------------
std::optional<DeclRef> Analyzer::lookup(const DeclRef& from, const ast::QualName& qn, bool wantFragment) {
  const Module& here = *modules_[from.module];
  std::size_t mod = from.module;
  std::string name;
  const char* kind = wantFragment ? "fragment" : "policy";
  auto candidates = [&] {
    std::vector<std::string> c;
    for (const auto& [n, d] : here.decls)
      if (d->isFragment == wantFragment) c.push_back(n);
    for (const auto& [alias, mi] : here.imports)
      for (const auto& [n, d] : modules_[mi]->decls)
        if (d->isFragment == wantFragment) c.push_back(alias + "." + n);
    return c;
  };
  if (qn.parts.size() == 1) {
    name = qn.parts[0];
  } else if (qn.parts.size() == 2) {
    auto it = here.imports.find(qn.parts[0]);
    if (it == here.imports.end()) {
      std::vector<std::string> aliases;
      for (const auto& [a, _] : here.imports) aliases.push_back(a);
      std::string m = closest(qn.parts[0], aliases);
      diags_.error(Code::E0104, qn.span, "no module " + q(qn.parts[0]) + " is imported in this file" +
                                         (m.empty() ? "" : "; did you mean " + q(m + "." + qn.parts[1]) + "?"));
      return std::nullopt;
    }
    mod = it->second;
    name = qn.parts[1];
  } else {
    diags_.error(Code::E0104, qn.span, q(qn.text()) + " is not a " + kind + " name (write NAME or MODULE.NAME)");
    return std::nullopt;
  }
  const auto& decls = modules_[mod]->decls;
  auto it = decls.find(name);
  if (it == decls.end() || it->second->isFragment != wantFragment) {
    std::string m = closest(qn.text(), candidates());
    std::string msg = "unknown " + std::string(kind) + " " + q(qn.text());
    if (it != decls.end())
      msg = q(qn.text()) + (wantFragment ? " is a policy, not a fragment; extend it with `extends`"
                                         : " is a fragment, not a policy; include it with `use`");
    else if (!m.empty())
      msg += "; did you mean " + q(m) + "?";
    diags_.error(Code::E0104, qn.span, msg);
    return std::nullopt;
  }
  return DeclRef{mod, it->second};
}

const Level& Analyzer::ownLevel(const DeclRef& r) {
  if (auto it = own_.find(r.decl); it != own_.end() && ownState_[r.decl] == State::Done) return it->second;
  ownState_[r.decl] = State::InProgress;
  Level level;
  std::map<std::string, Span> sections;
  if (r.decl->isFragment && !r.decl->extends.empty())
    diags_.error(Code::E0304, r.decl->extends.front().span, "a fragment cannot extend; it can `use` other fragments");
  for (const auto& member : r.decl->members) {
    if (const auto* use = std::get_if<ast::Use>(&member)) {
      for (const auto& qn : use->names) {
        auto ref = lookup(r, qn, true);
        if (!ref) continue;
        auto st = ownState_.find(ref->decl);
        if (st != ownState_.end() && st->second == State::InProgress) {
          auto pos = std::find_if(useStack_.begin(), useStack_.end(),
                                  [&](const auto& e) { return e.first.decl == ref->decl; });
          std::string chain;
          for (auto e = pos; e != useStack_.end(); ++e) chain += declName(e->first) + " -> ";
          chain += declName(r) + " -> " + declName(*ref);
          auto& d = diags_.error(Code::E0103, qn.span, "cyclic use of fragments: " + chain);
          for (auto e = pos; e != useStack_.end(); ++e) {
            const DeclRef& next = (e + 1 != useStack_.end()) ? (e + 1)->first : r;
            d.notes.push_back({e->second, q(declName(e->first)) + " uses " + q(declName(next)) + " here"});
          }
          d.notes.push_back({qn.span, q(declName(r)) + " uses " + q(declName(*ref)) + " here"});
          continue;
        }
        if (useStack_.size() >= kMaxChain) {
          diags_.error(Code::E0103, qn.span, "fragments `use` each other more than " + std::to_string(kMaxChain) + " levels deep");
          continue;
        }
        useStack_.emplace_back(r, qn.span);
        const Level& frag = ownLevel(*ref);
        useStack_.pop_back();
        mergeSameLevel(level, frag, diags_);
      }
      continue;
    }
    const auto& sec = std::get<ast::Section>(member);
    auto [it, fresh] = sections.emplace(sec.name.text, sec.name.span);
    if (!fresh) {
      auto& d = diags_.error(Code::E0404, sec.name.span, "section " + q(sec.name.text) + " appears twice in " + q(r.decl->name.text) +
                                                          "; merge the two into one");
      d.notes.push_back({it->second, "first " + q(sec.name.text) + " section here"});
      continue;
    }
    interpretSection(sec, groups_, level, diags_);
  }
  own_[r.decl] = std::move(level);
  ownState_[r.decl] = State::Done;
  return own_[r.decl];
}

const Level& Analyzer::resolvedLevel(const DeclRef& r) {
  if (auto it = resolved_.find(r.decl); it != resolved_.end() && resolvedState_[r.decl] == State::Done) return it->second;
  resolvedState_[r.decl] = State::InProgress;
  std::vector<Parent> parents;
  for (const auto& qn : r.decl->extends) {
    auto ref = lookup(r, qn, false);
    if (!ref) continue;
    auto st = resolvedState_.find(ref->decl);
    if (st != resolvedState_.end() && st->second == State::InProgress) {
      auto pos = std::find_if(extendsStack_.begin(), extendsStack_.end(),
                              [&](const auto& e) { return e.first.decl == ref->decl; });
      std::string chain;
      for (auto e = pos; e != extendsStack_.end(); ++e) chain += declName(e->first) + " -> ";
      chain += declName(r) + " -> " + declName(*ref);
      auto& d = diags_.error(Code::E0103, qn.span, "cyclic extends: " + chain);
      for (auto e = pos; e != extendsStack_.end(); ++e) {
        const DeclRef& next = (e + 1 != extendsStack_.end()) ? (e + 1)->first : r;
        d.notes.push_back({e->second, q(declName(e->first)) + " extends " + q(declName(next)) + " here"});
      }
      d.notes.push_back({qn.span, q(declName(r)) + " extends " + q(declName(*ref)) + " here"});
      continue;
    }
    if (extendsStack_.size() >= kMaxChain) {
      diags_.error(Code::E0103, qn.span, "extends chain is more than " + std::to_string(kMaxChain) + " policies deep");
      continue;
    }
    extendsStack_.emplace_back(r, qn.span);
    const Level& pl = resolvedLevel(*ref);
    extendsStack_.pop_back();
    parents.push_back(Parent{*ref, &pl, qn.span});
    parentsOf_[r.decl].push_back(*ref);
  }
  const Level& own = ownLevel(r);
  Level eff = parents.empty() ? own : inherit(r, parents, own);
  resolved_[r.decl] = std::move(eff);
  resolvedState_[r.decl] = State::Done;
  return resolved_[r.decl];
}

std::string ruleKey(const ir::SyscallRule& r) {
  std::string k = r.name;
  for (const auto& c : r.conditions)
    k += "|" + std::to_string(c.index) + "," + std::to_string(static_cast<int>(c.op)) + "," + std::to_string(c.value) +
         "," + std::to_string(c.mask);
  return k;
}

// ---- can two conditional rules match one call? ------------------------------------------------------
// Used for a child's conditional rules next to inherited ones (W0007). "Disjoint" must be proven; when it
// cannot be, the rules may overlap.
using Op = ir::ArgCondition::Op;
constexpr std::uint64_t kAll = ~std::uint64_t{0};

struct Interval {
  std::uint64_t lo = 0, hi = kAll;
  bool empty = false;
};

// Eq, Lt, Le, Gt, Ge as the interval of values they accept; nullopt for Ne and masked comparisons.
std::optional<Interval> intervalOf(const ir::ArgCondition& c) {
  switch (c.op) {
    case Op::Eq: return Interval{c.value, c.value, false};
    case Op::Lt: return c.value == 0 ? Interval{0, 0, true} : Interval{0, c.value - 1, false};
    case Op::Le: return Interval{0, c.value, false};
    case Op::Gt: return c.value == kAll ? Interval{0, 0, true} : Interval{c.value + 1, kAll, false};
    case Op::Ge: return Interval{c.value, kAll, false};
    case Op::Ne:
    case Op::MaskedEq: return std::nullopt;
  }
  return std::nullopt;
}

// The smallest x >= lo with (x & mask) == value (value within mask), if there is one.
std::optional<std::uint64_t> nextMasked(std::uint64_t lo, std::uint64_t mask, std::uint64_t value) {
  // x follows lo's bits from the top as long as the fixed bits allow. `bump` is the lowest free bit seen so
  // far where lo has 0: setting it gives a larger number whose lower bits can then be as small as allowed.
  auto raise = [&](int i) {   // lo's bits above i, 1 at i, then the smallest allowed rest
    const std::uint64_t b = std::uint64_t{1} << i;
    const std::uint64_t high = i == 63 ? 0 : (lo & ~((b << 1) - 1));
    return high | b | (value & (b - 1));
  };
  int bump = -1;
  for (int i = 63; i >= 0; --i) {
    const std::uint64_t b = std::uint64_t{1} << i;
    if (!(mask & b)) {
      if (!(lo & b)) bump = i;
      continue;
    }
    if ((value & b) == (lo & b)) continue;
    if (value & b) return raise(i);            // a fixed 1 where lo has 0
    if (bump < 0) return std::nullopt;         // a fixed 0 where lo has 1, and no free bit above to raise
    return raise(bump);
  }
  return lo;   // lo itself matches
}

// No value of one argument satisfies both comparisons.
bool disjoint(const ir::ArgCondition& a, const ir::ArgCondition& b) {
  auto ia = intervalOf(a), ib = intervalOf(b);
  if ((ia && ia->empty) || (ib && ib->empty)) return true;
  if (a.op == Op::Ne || b.op == Op::Ne) {
    const auto& ne = a.op == Op::Ne ? a : b;
    const auto& other = a.op == Op::Ne ? b : a;
    // Disjoint only when the other accepts exactly the one value `ne` refuses.
    if (other.op == Op::Ne) return false;
    if (other.op == Op::MaskedEq) return other.mask == kAll && other.value == ne.value;
    const auto io = intervalOf(other);
    return io->lo == ne.value && io->hi == ne.value;
  }
  if (a.op == Op::MaskedEq && b.op == Op::MaskedEq) return ((a.value ^ b.value) & a.mask & b.mask) != 0;
  if (a.op == Op::MaskedEq || b.op == Op::MaskedEq) {
    const auto& m = a.op == Op::MaskedEq ? a : b;
    const Interval iv = a.op == Op::MaskedEq ? *ib : *ia;
    if (m.value & ~m.mask) return true;   // never holds (E0306 reports it)
    const auto x = nextMasked(iv.lo, m.mask, m.value);
    return !x || *x > iv.hi;
  }
  return ia->hi < ib->lo || ib->hi < ia->lo;
}

// Some call could satisfy both rules' conditions (as far as ward can tell).
bool mayOverlap(const ir::SyscallRule& a, const ir::SyscallRule& b) {
  for (const auto& ca : a.conditions)
    for (const auto& cb : b.conditions)
      if (ca.index == cb.index && disjoint(ca, cb)) return false;
  return true;
}

Level Analyzer::inherit(const DeclRef& r, const std::vector<Parent>& parents, const Level& own) {
  Level out;
  auto parentSpan = [&](std::size_t i) { return parents[i].span; };
  struct From {
    Single s;
    std::size_t parent;
  };
  std::map<std::string, From> fromParents;
  std::set<std::string> reported;
  for (std::size_t i = 0; i < parents.size(); ++i) {
    for (const auto& [k, s] : parents[i].level->singles) {
      auto it = fromParents.find(k);
      if (it != fromParents.end() && it->second.s.canon != s.canon && !own.singles.count(k) && reported.insert(k).second) {
        const std::string a = declName(parents[it->second.parent].ref), b = declName(parents[i].ref);
        auto& d = diags_.error(Code::E0401, parentSpan(i),
                               "parents " + q(a) + " and " + q(b) + " set " + s.what + " differently (" +
                                   q(it->second.s.canon) + " and " + q(s.canon) + "); set it in " +
                                   q(r.decl->name.text) + " to choose");
        d.notes.push_back({it->second.s.span, q(a) + " sets it here"});
        d.notes.push_back({s.span, q(b) + " sets it here"});
      }
      fromParents[k] = From{s, i};
    }
  }
  for (auto& [k, f] : fromParents) out.singles.emplace(k, f.s);
  // `privileged` and `idmap` describe one thing (the user namespace): a child that sets either replaces
  // whatever its parents said about both.
  if (own.singles.count("identity.privileged") || own.singles.count("identity.idmap")) {
    out.singles.erase("identity.privileged");
    out.singles.erase("identity.idmap");
  }
  for (const auto& [k, s] : own.singles) out.singles[k] = s;
  for (const auto& par : parents)
    for (const auto& [k, s] : par.level->presence) out.presence.emplace(k, s);
  for (const auto& [k, s] : own.presence) out.presence.emplace(k, s);

  auto cat = [&](auto member) {
    for (const auto& par : parents)
      (out.*member).insert((out.*member).end(), (par.level->*member).begin(), (par.level->*member).end());
    (out.*member).insert((out.*member).end(), (own.*member).begin(), (own.*member).end());
  };
  cat(&Level::fileRules);
  cat(&Level::devices);
  cat(&Level::listen);
  cat(&Level::connect);
  cat(&Level::apparmorFlags);
  cat(&Level::apparmorRaw);
  cat(&Level::lxcRaw);
  cat(&Level::hooks);

  // Capabilities: the child's drops remove inherited keeps.
  std::set<std::string> ownDrops;
  for (const auto& c : own.drop) ownDrops.insert(c.name);
  for (const auto& par : parents) {
    for (const auto& c : par.level->keep)
      if (!ownDrops.count(c.name)) out.keep.push_back(c);
    out.drop.insert(out.drop.end(), par.level->drop.begin(), par.level->drop.end());
  }
  out.keep.insert(out.keep.end(), own.keep.begin(), own.keep.end());
  out.drop.insert(out.drop.end(), own.drop.begin(), own.drop.end());

  // Syscall rules (language.md, "Inheritance"). A child's rule without conditions decides the whole system
  // call: it replaces every inherited rule for it. A child's rules with conditions are added to the
  // inherited ones and replace only an inherited rule with exactly the same conditions, so `deny
  // socket(domain == AF_PACKET)` narrows what the parents allowed instead of dropping it. Two parents that
  // give one (syscall, conditions) different actions conflict unless the child decides.
  std::set<std::string> ownUncond, ownKeys;
  for (const auto& rule : own.rules) {
    if (rule.conditions.empty()) ownUncond.insert(rule.name);
    ownKeys.insert(ruleKey(rule));
  }
  std::map<std::string, std::pair<const ir::SyscallRule*, std::size_t>> seen;
  std::set<std::string> reportedRules, replacedKeys;
  std::vector<std::size_t> viaParent;   // viaParent[k]: the parent out.rules[k] was inherited through
  for (std::size_t i = 0; i < parents.size(); ++i) {
    for (const auto& rule : parents[i].level->rules) {
      if (ownUncond.count(rule.name)) continue;
      std::string key = ruleKey(rule);
      if (ownKeys.count(key)) {
        replacedKeys.insert(key);
        continue;
      }
      auto it = seen.find(key);
      if (it != seen.end()) {
        if (!(it->second.first->action == rule.action) && it->second.second != i && reportedRules.insert(key).second) {
          const std::string a = declName(parents[it->second.second].ref), b = declName(parents[i].ref);
          auto& d = diags_.error(Code::E0401, parentSpan(i),
                                 "parents " + q(a) + " and " + q(b) + " give system call " + q(rule.name) +
                                     (rule.conditions.empty() ? "" : " (with the same argument conditions)") +
                                     " different actions (" + actionText(it->second.first->action) + " and " +
                                     actionText(rule.action) + "); add a rule for it in " + q(r.decl->name.text) +
                                     (rule.conditions.empty() ? "" : " (with these conditions, or without conditions)") +
                                     " to choose");
          d.notes.push_back({it->second.first->span, q(a) + " sets it here"});
          d.notes.push_back({rule.span, q(b) + " sets it here"});
        }
        continue;
      }
      seen.emplace(key, std::make_pair(&rule, i));
      out.rules.push_back(rule);
      viaParent.push_back(i);
    }
  }

  // What a child's conditional rule does next to what it inherits. One warning per statement term (a
  // masked `!=` expands to several rules with one span).
  std::map<std::string, std::vector<std::size_t>> inheritedByName;
  for (std::size_t k = 0; k < out.rules.size(); ++k) inheritedByName[out.rules[k].name].push_back(k);
  std::set<std::tuple<Code, FileId, std::uint32_t>> warned;   // (code, the child's rule)
  for (const auto& rule : own.rules) {
    if (rule.conditions.empty()) continue;
    const bool replaces = replacedKeys.count(ruleKey(rule)) > 0;   // an inherited rule had these conditions
    auto byName = inheritedByName.find(rule.name);
    if (byName == inheritedByName.end()) continue;
    auto via = [&](std::size_t k) {
      const auto& inh = out.rules[k];
      return (inh.viaGroup.empty() ? "" : " (through " + inh.viaGroup + ")") + std::string(", inherited from ") +
             q(declName(parents[viaParent[k]].ref));
    };
    std::vector<Note> overlapping;
    std::string overlapAction;
    for (std::size_t k : byName->second) {
      const auto& inh = out.rules[k];
      if (inh.conditions.empty()) {
        // W0002: the inherited rule already gives every call this action. Not for socket(): next to the
        // network section's derived family rules a conditional socket() rule decides its family (lower/).
        if (inh.action == rule.action && !replaces && rule.name != "socket" && warned.emplace(Code::W0002, rule.span.file, rule.span.begin).second) {
          const bool permits = rule.action.kind == ir::Action::Kind::Allow || rule.action.kind == ir::Action::Kind::Log;
          auto& d = diags_.warning(
              Code::W0002, rule.span,
              "this rule changes nothing: the inherited rule for " + q(rule.name) + " already gives every call " +
                  actionText(rule.action) + ", and a rule with conditions adds to the inherited ones. For only " +
                  "these arguments to get " + actionText(rule.action) + ", also write a rule for " + q(rule.name) +
                  " without conditions (e.g. `" + (permits ? "deny " : "allow ") + rule.name +
                  ";`): it replaces the inherited ones");
          d.notes.push_back({inh.span, actionText(inh.action) + " here" + via(k)});
        }
        continue;
      }
      // W0007: both can match one call, with different actions; libseccomp's order, not the child, decides.
      if (inh.action == rule.action || !mayOverlap(rule, inh)) continue;
      if (overlapping.empty()) overlapAction = actionText(inh.action);
      overlapping.push_back({inh.span, actionText(inh.action) + " here" + via(k)});
    }
    if (!overlapping.empty() && warned.emplace(Code::W0007, rule.span.file, rule.span.begin).second) {
      auto& d = diags_.warning(
          Code::W0007, rule.span,
          "this rule (" + actionText(rule.action) + ") and an inherited rule for " + q(rule.name) + " (" + overlapAction +
              ") can match the same call; where both match, libseccomp's rule order decides, not this policy. "
              "Make the conditions exclusive, or also write a rule for " + q(rule.name) +
              " without conditions: it replaces the inherited ones");
      d.notes = std::move(overlapping);
    }
  }
  out.rules.insert(out.rules.end(), own.rules.begin(), own.rules.end());
  return out;
}

// ---- building the IR -------------------------------------------------------------------------------
template <class T, class K>
void dedupe(std::vector<T>& v, K key) {
  std::set<decltype(key(v.front()))> seen;
  std::vector<T> out;
  for (auto& x : v)
    if (seen.insert(key(x)).second) out.push_back(std::move(x));
  v = std::move(out);
}

ir::Policy Analyzer::build(const DeclRef& r, const Level& eff) {
  ir::Policy p;
  p.name = r.decl->name.text;
  p.span = r.decl->span;
  for (const auto& [k, s] : eff.singles) s.apply(p);
  if (p.identity.privileged && !eff.singles.count("identity.idmap")) {
    p.identity.idmapAuto = false;
    p.identity.idmaps.clear();
  }
  p.files.rules = eff.fileRules;
  if (!p.files.rules.empty())
    dedupe(p.files.rules, [](const ir::FileRule& f) { return std::tuple(f.path, f.access, f.deny, f.owner); });
  p.devices = eff.devices;
  if (!p.devices.empty())
    dedupe(p.devices, [](const ir::Device& d) {
      return std::tuple(d.type, d.major, d.minor, d.path, d.read, d.write, d.mknod);
    });
  auto epKey = [](const ir::Endpoint& e) {
    std::string k = std::to_string(static_cast<int>(e.proto)) + " " + e.host;
    for (const auto& pr : e.ports) k += " " + std::to_string(pr.first) + "-" + std::to_string(pr.last);
    return k;
  };
  p.network.listen = eff.listen;
  if (!p.network.listen.empty()) dedupe(p.network.listen, epKey);
  p.network.connect = eff.connect;
  if (!p.network.connect.empty()) dedupe(p.network.connect, epKey);

  p.capabilities.keep = eff.keep;
  std::stable_sort(p.capabilities.keep.begin(), p.capabilities.keep.end(),
                   [](const ir::Capability& a, const ir::Capability& b) { return a.number < b.number; });
  if (!p.capabilities.keep.empty()) dedupe(p.capabilities.keep, [](const ir::Capability& c) { return c.number; });
  std::set<std::string> kept;
  for (const auto& c : p.capabilities.keep) kept.insert(c.name);
  for (const auto& c : eff.drop)
    if (!kept.count(c.name)) p.capabilities.drop.push_back(c);
  std::stable_sort(p.capabilities.drop.begin(), p.capabilities.drop.end(),
                   [](const ir::Capability& a, const ir::Capability& b) { return a.number < b.number; });
  if (!p.capabilities.drop.empty()) dedupe(p.capabilities.drop, [](const ir::Capability& c) { return c.number; });

  p.syscalls.rules = eff.rules;
  std::stable_sort(p.syscalls.rules.begin(), p.syscalls.rules.end(), ruleLess);
  p.syscalls.rules.erase(std::unique(p.syscalls.rules.begin(), p.syscalls.rules.end(),
                                     [](const ir::SyscallRule& a, const ir::SyscallRule& b) {
                                       return a.name == b.name && a.conditions == b.conditions && a.action == b.action;
                                     }),
                         p.syscalls.rules.end());

  if (auto it = eff.presence.find("selinux"); it != eff.presence.end()) {
    p.selinux.enabled = true;
    p.selinux.span = it->second;
  }
  if (auto it = eff.presence.find("apparmor"); it != eff.presence.end()) p.apparmor.span = it->second;
  p.apparmor.flags = eff.apparmorFlags;
  std::sort(p.apparmor.flags.begin(), p.apparmor.flags.end());
  p.apparmor.flags.erase(std::unique(p.apparmor.flags.begin(), p.apparmor.flags.end()), p.apparmor.flags.end());
  p.apparmor.rawRules = eff.apparmorRaw;
  if (!p.apparmor.rawRules.empty())
    dedupe(p.apparmor.rawRules, [](const ir::Located<std::string>& x) { return x.value; });
  p.lxc.raw = eff.lxcRaw;
  if (!p.lxc.raw.empty()) dedupe(p.lxc.raw, [](const ir::LxcRaw& x) { return std::pair(x.key, x.value); });
  p.lxc.hooks = eff.hooks;
  if (!p.lxc.hooks.empty()) dedupe(p.lxc.hooks, [](const ir::LxcHook& x) { return std::pair(x.type, x.path); });

  // Parents, nearest first: direct parents left to right, then theirs (breadth first, each once).
  std::vector<DeclRef> frontier{r};
  std::set<const ast::PolicyDecl*> seen{r.decl};
  for (std::size_t i = 0; i < frontier.size(); ++i) {
    auto it = parentsOf_.find(frontier[i].decl);
    if (it == parentsOf_.end()) continue;
    for (const auto& ref : it->second) {
      if (!seen.insert(ref.decl).second) continue;
      frontier.push_back(ref);
      p.parents.push_back(declName(ref));
    }
  }
  return p;
}

void Analyzer::finalChecks(const ir::Policy& p, const Level& eff) {
  auto spanOf = [&](const char* key) -> Span {
    auto it = eff.singles.find(key);
    return it == eff.singles.end() ? Span{} : it->second.span;
  };
  const auto& id = p.identity;
  if (id.privileged && eff.singles.count("identity.idmap")) {
    auto& d = diags_.error(Code::E0405, spanOf("identity.idmap"),
                           "`privileged` runs the container without a user namespace, so it cannot have an idmap");
    d.notes.push_back({id.privilegedSpan, "declared privileged here"});
  }
  if (!id.privileged) {
    if (!id.idmapAuto && id.idmaps.empty()) {
      auto& d = diags_.error(Code::E0501, spanOf("identity.idmap").valid() ? spanOf("identity.idmap") : p.span,
                             "policy " + q(p.name) + " has no user namespace (`idmap none`): container root is host root; "
                             "say so with `identity { privileged \"reason\"; }`");
      d.notes.push_back({p.span, "in this policy"});
    }
    if (p.capabilities.keepAll) {
      auto& d = diags_.error(Code::E0501, p.capabilities.keepAllSpan,
                             "policy " + q(p.name) + " keeps all capabilities; say why with `identity { privileged \"reason\"; }`");
      d.notes.push_back({p.span, "in this policy"});
    }
  }
  const auto& net = p.network;
  if (net.none) {
    std::vector<std::pair<Span, std::string>> others;
    for (const auto& e : net.listen) others.emplace_back(e.span, "listen");
    for (const auto& e : net.connect) others.emplace_back(e.span, "connect");
    if (net.raw) others.emplace_back(*net.raw, "raw");
    if (net.packet) others.emplace_back(*net.packet, "packet");
    if (net.netlink) others.emplace_back(*net.netlink, "netlink");
    if (net.bridge) others.emplace_back(net.bridge->span, "bridge");
    if (!others.empty()) {
      auto& d = diags_.error(Code::E0405, others.front().first,
                             "`network { none; }` gives the container no network, but " + q(others.front().second) +
                                 " needs one");
      d.notes.push_back({net.noneSpan, "`none` here"});
    }
  }
  // W0004: would the filter block what the runtime calls between installing it and exec'ing init? Only for
  // an input without errors: a partly recovered policy would warn about what it merely failed to say.
  if (diags_.hasErrors()) return;
  std::vector<std::string> blocked;
  std::vector<Note> notes;
  for (const auto& rs : names::runtimeSyscalls()) {
    const auto* info = names::findSyscall(rs.name);
    if (!info || !info->number[0]) continue;
    const ir::SyscallRule* uncond = nullptr;
    bool conditional = false, conditionalAllow = false;
    for (const auto& r : p.syscalls.rules) {
      if (r.name != rs.name) continue;
      if (r.conditions.empty()) uncond = &r;
      else conditional = true;
      if (!r.conditions.empty() && (r.action.kind == ir::Action::Kind::Allow || r.action.kind == ir::Action::Kind::Log))
        conditionalAllow = true;
    }
    ir::Action act = uncond ? uncond->action : p.syscalls.defaultAction.value;
    // May be allowed, depending on arguments (`deny prctl; allow prctl(option == PR_SET_NO_NEW_PRIVS)`).
    if ((!uncond && conditional) || conditionalAllow) continue;
    if (act.kind == ir::Action::Kind::Allow || act.kind == ir::Action::Kind::Log) continue;
    blocked.emplace_back(rs.name);
    if (uncond) notes.push_back({uncond->span, q(rs.name) + " gets " + actionText(act) + " here (" + std::string(rs.why) + ")"});
  }
  if (!blocked.empty()) {
    std::string list;
    for (std::size_t i = 0; i < blocked.size(); ++i) list += (i ? ", " : "") + blocked[i];
    auto& d = diags_.warning(Code::W0004, p.span,
                             "the seccomp filter of " + q(p.name) + " blocks " + list +
                                 ", which the container runtime calls after installing the filter: the container "
                                 "would not start (allow them, e.g. extend a std/base policy)");
    if (p.syscalls.defaultAction.span.valid())
      d.notes.push_back({p.syscalls.defaultAction.span, "default action " + actionText(p.syscalls.defaultAction.value) + " set here"});
    for (auto& n : notes) d.notes.push_back(std::move(n));
  }
}

// Every span in a policy (mechanism included), for remapping SourceManager file ids to Policy::sources.
template <class F>
void forEachSpan(ir::Policy& p, F&& f) {
  f(p.span);
  auto& id = p.identity;
  f(id.privilegedSpan);
  for (auto& m : id.idmaps) f(m.span);
  f(id.noNewPrivs.span);
  for (auto& r : p.files.rules) f(r.span);
  for (auto& m : p.files.mounts) f(m.span);
  f(p.files.proc.span);
  f(p.files.sys.span);
  f(p.files.cgroup.span);
  f(p.files.rootReadOnly.span);
  for (auto& d : p.devices) f(d.span);
  auto& n = p.network;
  f(n.noneSpan);
  for (auto* list : {&n.listen, &n.connect})
    for (auto& e : *list) {
      f(e.span);
      for (auto& pr : e.ports) f(pr.span);
    }
  if (n.unix) f(n.unix->span);
  if (n.raw) f(*n.raw);
  if (n.packet) f(*n.packet);
  if (n.netlink) f(*n.netlink);
  if (n.familiesAny) f(*n.familiesAny);
  if (n.bridge) f(n.bridge->span);
  f(n.ipv6RouterAdvertisements.span);
  f(p.capabilities.keepAllSpan);
  for (auto& c : p.capabilities.keep) f(c.span);
  for (auto& c : p.capabilities.drop) f(c.span);
  f(p.syscalls.defaultAction.span);
  f(p.syscalls.foreignAction.span);
  for (auto& r : p.syscalls.rules) {
    f(r.span);
    for (auto& c : r.conditions) f(c.span);
  }
  auto& l = p.limits;
  for (auto* o : {&l.memoryMax, &l.memoryHigh, &l.swapMax, &l.cpuQuotaMicros, &l.cpuWeight, &l.pids, &l.ioWeight,
                  &l.inotifyInstances, &l.inotifyWatches, &l.ptyMax})
    if (*o) f((*o)->span);
  if (l.cpuset) f(l.cpuset->span);
  for (auto& x : l.ioBps) f(x.span);
  for (auto& x : l.hugetlb) f(x.span);
  for (auto& x : l.rlimits) f(x.span);
  for (auto& s : p.sysctls) f(s.span);
  f(p.selinux.span);
  f(p.apparmor.span);
  f(p.apparmor.nesting.span);
  for (auto& r : p.apparmor.rawRules) f(r.span);
  for (auto& r : p.lxc.raw) f(r.span);
  for (auto& h : p.lxc.hooks) f(h.span);
  if (p.verify.failOn) f(p.verify.failOn->span);
  for (auto& a : p.verify.accepts) f(a.span);
  if (p.verify.baseline) f(p.verify.baseline->span);
  auto& m = p.mechanism;
  for (auto& c : m.capabilities) f(c.span);
  for (auto& r : m.syscallRules) {
    f(r.span);
    for (auto& c : r.conditions) f(c.span);
  }
  for (auto& r : m.apparmorRules) f(r.span);
  for (auto& r : m.deviceRules) f(r.span);
}

void Analyzer::remapSpans(ir::Policy& p, FileId own) {
  std::set<FileId> used;
  forEachSpan(p, [&](Span& s) {
    if (s.valid()) used.insert(s.file);
  });
  std::map<FileId, FileId> index;
  auto addSource = [&](FileId f) {
    if (index.count(f)) return;
    index[f] = static_cast<FileId>(p.sources.size());
    const SourceFile& sf = sm_.file(f);
    auto h = sha_.find(f);
    if (h == sha_.end()) h = sha_.emplace(f, sha256Hex(sf.text)).first;
    p.sources.push_back(ir::SourceRef{sf.displayName, h->second});
  };
  addSource(own);
  for (FileId f : used) addSource(f);
  forEachSpan(p, [&](Span& s) {
    if (s.valid()) s.file = index.at(s.file);
  });
}

// ---- the whole run -----------------------------------------------------------------------------------
Result Analyzer::run(FileId root, std::optional<std::string_view> only) {
  Result res;
  // Copies: sm_ grows (and may reallocate) while imports load.
  const std::string rootDisplay = sm_.file(root).displayName;
  const std::string rootPath = sm_.file(root).path.empty() ? rootDisplay : sm_.file(root).path;
  deps_.push_back(rootPath);
  load(root, fileKey(rootPath));
  buildGroups();

  std::vector<DeclRef> wanted;
  if (only) {
    ast::QualName qn;
    std::string s(*only);
    std::size_t dot = s.find('.');
    if (dot == std::string::npos) qn.parts = {s};
    else qn.parts = {s.substr(0, dot), s.substr(dot + 1)};
    std::optional<DeclRef> ref;
    const Module& rm = *modules_[0];
    std::size_t mod = 0;
    bool found = false;
    if (qn.parts.size() == 1) found = true;
    else if (auto it = rm.imports.find(qn.parts[0]); it != rm.imports.end()) { mod = it->second; found = true; }
    if (found) {
      auto it = modules_[mod]->decls.find(qn.parts.back());
      if (it != modules_[mod]->decls.end() && !it->second->isFragment) ref = DeclRef{mod, it->second};
    }
    if (!ref) {
      std::vector<std::string> cands;
      for (const auto& [n, d] : rm.decls)
        if (!d->isFragment) cands.push_back(n);
      for (const auto& [alias, mi] : rm.imports)
        for (const auto& [n, d] : modules_[mi]->decls)
          if (!d->isFragment) cands.push_back(alias + "." + n);
      std::string m = closest(s, cands);
      diags_.error(Code::E0211, Span{}, "no policy " + q(s) + " in " + rootDisplay + (m.empty() ? "" : "; did you mean " + q(m) + "?"));
    } else {
      wanted.push_back(*ref);
    }
  } else {
    for (const auto& d : modules_[0]->ast.decls) {
      const auto* pd = std::get_if<ast::PolicyDecl>(&d);
      if (!pd) continue;
      auto it = modules_[0]->decls.find(pd->name.text);
      if (it == modules_[0]->decls.end() || it->second != pd) continue;  // a duplicate (E0106)
      if (pd->isFragment) ownLevel(DeclRef{0, pd});
      else wanted.push_back(DeclRef{0, pd});
    }
  }
  for (const auto& r : wanted) {
    const Level& eff = resolvedLevel(r);
    ir::Policy p = build(r, eff);
    finalChecks(p, eff);
    remapSpans(p, modules_[r.module]->file);
    res.policies.push_back(std::move(p));
  }
  res.dependencies = deps_;
  for (const auto& m : modules_) res.files.push_back(m->ast);
  return res;
}

}  // namespace

Result run(SourceManager& sources, FileId root, std::optional<std::string_view> only, const Options& options,
           Diagnostics& diags, const ParseFn& parse) {
  try {
    Analyzer a(sources, options, diags, parse);
    return a.run(root, only);
  } catch (const std::exception& e) {
    diags.error(Code::E2003, Span{}, std::string("internal error in semantic analysis: ") + e.what());
  } catch (...) {
    diags.error(Code::E2003, Span{}, "internal error in semantic analysis");
  }
  return {};
}

}  // namespace detail
}  // namespace ward::sema
