#pragma once
// What the language server knows beyond the name tables: short docs for keywords, sections and verbs, and
// what the stock Docker and LXC seccomp profiles do with a system call (read from the profile files on
// this machine, when they are installed).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::lsp {

// Markdown, or nullptr when there is nothing to say. Sections and statements: from their one
// declaration (sema/statements.def).
const char* keywordDoc(std::string_view keyword);
const char* sectionDoc(std::string_view section);
// Markdown, or "" for a verb the section does not have.
std::string verbDoc(std::string_view section, std::string_view verb);
// Actions after `default` / `foreign` in syscalls { }.
const std::vector<std::string>& syscallActions();

// A parsed stock seccomp profile, reduced to what hover shows: for each system call, one line per rule
// that mentions it on x86 (x86_64, x86, x32), and the verdict for calls it does not mention.
class StockProfile {
 public:
  // Docker's profiles/seccomp/default.json. Returns nullopt when the file is absent or unreadable.
  static std::optional<StockProfile> loadDocker(const std::string& path);
  // LXC's common.seccomp (version 2 format).
  static std::optional<StockProfile> loadLxc(const std::string& path);
  // Markdown describing what the profile does with `syscall`.
  std::string describe(std::string_view syscall) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;                                          // the file read
  struct Rule {
    std::string text;
    bool conditional = false;  // applies only with argument values, capabilities or a kernel version
  };
  std::map<std::string, std::vector<Rule>, std::less<>> rules_;  // syscall -> its rules
  std::string fallback_;                                        // for calls with no rule
};

}  // namespace ward::lsp
