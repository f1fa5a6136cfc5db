#include "import/ward_writer.h"

#include <seccomp.h>

#include <algorithm>

#include <fmt/format.h>

#include "backend/seccomp/filter.h"
#include "lower/lower.h"
#include "sema/names.h"

namespace ward::import {

namespace {

std::string number(std::uint64_t v) { return v < 4096 ? std::to_string(v) : fmt::format("{:#x}", v); }

const char* opText(ir::ArgCondition::Op op) {
  switch (op) {
    case ir::ArgCondition::Op::Eq: case ir::ArgCondition::Op::MaskedEq: return "==";
    case ir::ArgCondition::Op::Ne: return "!=";
    case ir::ArgCondition::Op::Lt: return "<";
    case ir::ArgCondition::Op::Le: return "<=";
    case ir::ArgCondition::Op::Gt: return ">";
    case ir::ArgCondition::Op::Ge: return ">=";
  }
  return "==";
}

// The names the language accepts (sema's table: a real number on x86_64, x86 or x32). Calls that exist
// only as socketcall(2)/ipc(2) multiplexer values (recv, send on x86) are left out like unknown names.
bool knownOnX86(const std::string& name) { return names::findSyscall(name) != nullptr; }

// Appends comma-separated items to statement lines no wider than ~100 columns.
std::vector<std::string> wrap(const std::string& first, const std::vector<std::string>& items, const std::string& end) {
  std::vector<std::string> lines;
  std::string line = first;
  const std::string indent(first.size(), ' ');
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i] + (i + 1 < items.size() ? "," : end);
    if (line.size() + item.size() + 1 > 100 && line != first) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      lines.push_back(line);
      line = indent;
    }
    line += item + " ";
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  lines.push_back(line);
  return lines;
}

}  // namespace

WardWriter::WardWriter(std::string policyName, std::string sourceName)
    : policyName_(std::move(policyName)), sourceName_(std::move(sourceName)) {}

void WardWriter::header(std::string line) { header_.push_back(std::move(line)); }
void WardWriter::setDefault(const ir::Action& action, bool write) {
  default_ = action;
  writeDefault_ = write;
}
void WardWriter::extends(std::string module, std::string parent) {
  module_ = std::move(module);
  parent_ = std::move(parent);
}
void WardWriter::section(std::string name, std::vector<std::string> lines) {
  if (name == "network") familiesAny_ = false;
  sections_.emplace_back(std::move(name), std::move(lines));
}
void WardWriter::setArches(std::vector<std::string> arches) { arches_ = std::move(arches); }

std::string WardWriter::actionVerb(const ir::Action& a) {
  switch (a.kind) {
    case ir::Action::Kind::Allow: return "allow";
    case ir::Action::Kind::Errno: return "deny";
    case ir::Action::Kind::KillProcess: return "kill";
    case ir::Action::Kind::KillThread: return "kill_thread";
    case ir::Action::Kind::Trap: return "trap";
    case ir::Action::Kind::Log: return "log";
    case ir::Action::Kind::Notify: return "notify";
  }
  return "kill";
}

std::string WardWriter::conditionText(const ir::ArgCondition& c) {
  if (c.op == ir::ArgCondition::Op::MaskedEq)
    return fmt::format("arg{} & {} == {}", c.index, number(c.mask), number(c.value));
  return fmt::format("arg{} {} {}", c.index, opText(c.op), number(c.value));
}

void WardWriter::addEntry(const std::vector<std::string>& names, const ir::Action& action,
                          const std::vector<std::vector<ir::ArgCondition>>& alternatives, const std::string& comment,
                          bool trailingComment) {
  std::vector<std::string> kept;
  for (const auto& n : names) {
    if (knownOnX86(n)) {
      kept.push_back(n);
    } else if (droppedSet_.insert(n).second) {
      dropped_.push_back(n);
    }
  }
  if (kept.empty()) return;
  if (!comment.empty() && !trailingComment) body_.push_back("    // " + comment);
  if (parent_.empty() && backend::seccomp::actionValue(action) == backend::seccomp::actionValue(default_)) {
    body_.push_back(fmt::format("    // {} {} (the default action; nothing to write)", actionVerb(action),
                                fmt::join(kept, ", ")));
    return;
  }
  std::vector<std::string> terms;
  for (const auto& n : kept) {
    for (const auto& alt : alternatives) {
      std::vector<std::string> conds;
      for (const auto& c : alt) conds.push_back(conditionText(c));
      const std::string condKey = fmt::format("{}", fmt::join(conds, ", "));
      terms.push_back(alt.empty() ? n : n + "(" + condKey + ")");
      ir::SyscallRule rule;
      rule.name = n;
      rule.action = action;
      rule.conditions = alt;
      auto [it, inserted] = rules_.try_emplace({n, condKey}, rule);
      if (!inserted && backend::seccomp::actionValue(it->second.action) != backend::seccomp::actionValue(action))
        conflicts_.push_back(alt.empty() ? n : n + "(" + condKey + ")");
    }
  }
  const std::string end = action.kind == ir::Action::Kind::Errno ? " errno " + action.errnoName + ";" : ";";
  for (auto& l : wrap("    " + actionVerb(action) + " ", terms, end)) body_.push_back(std::move(l));
  if (trailingComment && !comment.empty()) body_.back() += "  // " + comment;
}

std::string WardWriter::text() const {
  std::string t;
  for (const auto& h : header_) t += "// " + h + "\n";
  if (!dropped_.empty()) {
    t += "// Left out: system calls libseccomp does not know on x86_64, x86 or x32 (runc skips them too):\n";
    for (auto& l : wrap("//   ", dropped_, "")) t += l + "\n";
  }
  if (parent_.empty()) {
    t += "// Other architectures get ward's default `foreign kill`.\n";
    t += fmt::format("policy {} {{\n", policyName_);
  } else {
    t += fmt::format("import \"{}\";\n\npolicy {} extends {} {{\n", module_, policyName_, parent_);
  }
  // The profile restricts socket families only through its own socket() rules: ward must derive none
  // (without this, lowering would give every family but AF_UNIX EAFNOSUPPORT).
  if (familiesAny_)
    t += "  network {\n    families any;   // socket families: only the profile's own socket() rules below decide\n  }\n";
  for (const auto& [name, lines] : sections_) {
    if (lines.empty()) continue;
    t += "  " + name + " {\n";
    for (const auto& l : lines) t += "    " + l + "\n";
    t += "  }\n";
  }
  t += "  syscalls {\n";
  if (writeDefault_) {
    const std::string def = default_.kind == ir::Action::Kind::Errno ? "errno " + default_.errnoName : actionVerb(default_);
    t += fmt::format("    default {};\n", def);
  }
  t += fmt::format("    arch {};\n", fmt::join(arches_, ", "));
  for (const auto& l : body_) t += l + "\n";
  t += "  }\n}\n";
  return t;
}

std::optional<Imported> WardWriter::finish(Diagnostics& diags) {
  if (!conflicts_.empty()) {
    diags.error(Code::E0403, {}, fmt::format("the profile gives these system calls two different actions: {}",
                                         fmt::join(conflicts_, ", ")));
    return std::nullopt;
  }
  Imported out;
  out.ward = text();

  ir::Policy p;
  p.name = policyName_;
  p.sources.push_back({sourceName_, ""});
  p.syscalls.defaultAction.value = default_;
  p.syscalls.arches = arches_;
  p.network.familiesAny = Span{};
  for (const auto& [key, rule] : rules_) p.syscalls.rules.push_back(rule);   // map order: name, then conditions
  auto lowered = lower::lower(std::move(p), diags);   // the mechanism `ward compile` would build from the text
  if (!lowered) return std::nullopt;
  out.policy = lowered->policy();
  out.dropped = dropped_;
  return out;
}

}  // namespace ward::import
