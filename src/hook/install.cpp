#include "hook/install.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>

#include "hook/fsutil.h"
#include "base/strings.h"

namespace ward::hook {

namespace {

std::string_view trimBlank(std::string_view s) { return trimRight(trim(s, " \t"), " \t\r"); }


bool isMarker(std::string_view line, std::string_view marker) {
  std::string_view t = trimBlank(line);
  return t.substr(0, marker.size()) == marker &&
         (t.size() == marker.size() || t[marker.size()] == ' ' || t[marker.size()] == '(');
}

}  // namespace

std::optional<std::string> blockText(const BlockSpec& spec, std::string& error) {
  auto plain = [&](const std::string& a, const char* what) {
    if (a.empty() || a.find_first_of(" \t\r\n\"'\\#;$`") != std::string::npos) {
      error = std::string(what) + " '" + a + "' cannot be written on an LXC hook line (blanks, quotes or shell characters)";
      return false;
    }
    return true;
  };
  if (spec.snippetPath.empty() || spec.snippetPath.front() != '/' || !plain(spec.snippetPath, "path")) {
    if (error.empty()) error = "the snippet path must be absolute";
    return std::nullopt;
  }
  if (spec.hookCommand.empty() || spec.hookCommand[0].empty() || spec.hookCommand[0].front() != '/') {
    error = "the hook command must start with an absolute path to ward";
    return std::nullopt;
  }
  std::string cmd;
  for (const auto& a : spec.hookCommand) {
    if (!plain(a, "argument")) return std::nullopt;
    cmd += (cmd.empty() ? "" : " ") + a;
  }
  std::string b;
  b += std::string(kBlockBegin) + " (managed by ward lxc-install; `ward lxc-uninstall` removes this block)\n";
  b += "lxc.include = " + spec.snippetPath + "\n";
  b += "lxc.hook.pre-start = " + cmd + "\n";
  b += "lxc.hook.post-stop = " + cmd + "\n";
  b += std::string(kBlockEnd) + "\n";
  return b;
}

std::optional<std::string> withoutBlock(std::string_view config, std::string& error) {
  std::string out;
  bool inBlock = false;
  std::size_t pos = 0, lineNo = 0, beginLine = 0;
  while (pos < config.size()) {
    std::size_t nl = config.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? config.size() : nl + 1;
    std::string_view line = config.substr(pos, end - pos);
    std::string_view body = line;
    if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
    ++lineNo;
    if (isMarker(body, kBlockBegin)) {
      if (inBlock) {
        error = "line " + std::to_string(lineNo) + ": a second '# ward: begin' before '# ward: end' (line " +
                std::to_string(beginLine) + ")";
        return std::nullopt;
      }
      inBlock = true;
      beginLine = lineNo;
    } else if (isMarker(body, kBlockEnd)) {
      if (!inBlock) {
        error = "line " + std::to_string(lineNo) + ": '# ward: end' without '# ward: begin'";
        return std::nullopt;
      }
      inBlock = false;
    } else if (!inBlock) {
      out.append(line);
    }
    pos = end;
  }
  if (inBlock) {
    error = "line " + std::to_string(beginLine) + ": '# ward: begin' without '# ward: end'";
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> withBlock(std::string_view config, std::string_view block, std::string& error) {
  auto base = withoutBlock(config, error);
  if (!base) return std::nullopt;
  if (!base->empty() && base->back() != '\n') base->push_back('\n');
  base->append(block);
  return base;
}

namespace {

EditResult edit(const std::string& configPath, const std::function<std::optional<std::string>(std::string_view, std::string&)>& change) {
  EditResult r;
  std::filesystem::path p(configPath);
  std::string dirPath = p.parent_path().string(), name = p.filename().string();
  if (!p.is_absolute() || name.empty()) {
    r.error = "'" + configPath + "' is not an absolute path to a config file";
    return r;
  }
  int dfd = ::open(dirPath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    r.error = "cannot open '" + dirPath + "': " + std::strerror(errno);
    return r;
  }
  fsx::Fd dir(dfd);
  std::string error;
  auto text = fsx::readAt(dir.get(), name, error);
  if (!text) {
    r.error = configPath + ": " + error;
    return r;
  }
  struct stat st{};
  if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    r.error = "cannot stat '" + configPath + "': " + std::strerror(errno);
    return r;
  }
  auto next = change(*text, error);
  if (!next) {
    r.error = configPath + ": " + error;
    return r;
  }
  r.ok = true;
  if (*next == *text) return r;
  mode_t mode = st.st_mode & 07777;
  std::string backup = name + ".ward-backup";
  std::string e = fsx::writeAt(dir.get(), backup, *text, 0600);
  if (!e.empty()) {
    r.ok = false;
    r.error = "cannot write the backup: " + e;
    return r;
  }
  r.backupPath = (p.parent_path() / backup).string();
  e = fsx::writeAt(dir.get(), name, *next, mode);
  if (!e.empty()) {
    r.ok = false;
    r.error = e;
    return r;
  }
  // Keep the owner (an unprivileged container's config belongs to its user).
  if (::fchownat(dir.get(), name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0 && errno != EPERM) {
    r.ok = false;
    r.error = "cannot restore the owner of '" + configPath + "': " + std::strerror(errno);
    return r;
  }
  r.changed = true;
  return r;
}

}  // namespace

EditResult installBlock(const std::string& configPath, std::string_view block) {
  return edit(configPath, [&](std::string_view text, std::string& error) { return withBlock(text, block, error); });
}

EditResult uninstallBlock(const std::string& configPath) {
  return edit(configPath, [](std::string_view text, std::string& error) { return withoutBlock(text, error); });
}

}  // namespace ward::hook
