#include "lxd/install.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace ward::lxd {

namespace {

// The setting lines of a raw.lxc or liblxc config: no comments, no blank lines, blanks trimmed.
std::vector<std::pair<std::size_t, std::string>> settingLines(const std::string& text) {
  std::vector<std::pair<std::size_t, std::string>> out;
  std::size_t pos = 0, number = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    ++number;
    std::string line(trim(std::string_view(text).substr(pos, eol - pos)));
    if (!line.empty() && line[0] != '#') out.push_back({number, line});
    pos = eol + 1;
  }
  return out;
}

std::string value(const nlohmann::json& config, const std::string& key) {
  auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
}

nlohmann::json withoutProfile(const nlohmann::json& profiles, const std::string& name) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : profiles)
    if (p != name) out.push_back(p);
  return out;
}

std::string normalised(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string mergedRawLxc(const std::string& own, const std::string& ward, const std::string& hookLine) {
  std::string out;
  if (!own.empty()) out += "# the instance's own raw.lxc (before ward lxd-install)\n" + normalised(own) + "\n";
  out += ward;
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += "# ward's start check: refuses the start when the lines above drift (docs/lxd.md)\n";
  out += "lxc.hook.pre-start = " + hookLine + "\n";
  return out;
}

Changed install(const Client& client, const InstallRequest& r) {
  Changed c;
  Response inst = client.get("/1.0/instances/" + r.instance);
  if (!inst.ok()) return {{}, inst.error};
  const nlohmann::json config = inst.metadata.value("config", nlohmann::json::object());
  // The instance's own raw.lxc: from the record when ward is installed already, else as it is now.
  nlohmann::json record = {{"profile", r.profileName}, {"policy", r.policyFile}, {"raw.lxc", nullptr}};
  if (const std::string prev = value(config, kInstallKey); !prev.empty()) {
    nlohmann::json old = nlohmann::json::parse(prev, nullptr, false);
    if (old.is_discarded() || !old.is_object()) return {{}, fmt::format("{}: {} is not ward's record", r.instance, kInstallKey)};
    record["raw.lxc"] = old.value("raw.lxc", nlohmann::json());
    if (old.value("profile", "") != r.profileName)
      return {{}, fmt::format("{}: ward is installed with profile {}; run `ward lxd-uninstall {}` first", r.instance,
                              old.value("profile", "?"), r.instance)};
  } else if (config.contains("raw.lxc")) {
    record["raw.lxc"] = value(config, "raw.lxc");
  }
  // The profile: created, or replaced when it differs.
  Response prof = client.get("/1.0/profiles/" + r.profileName);
  nlohmann::json body = r.profile;
  if (!prof.ok()) {
    body["name"] = r.profileName;
    Response made = client.request("POST", "/1.0/profiles", body, {});
    if (!made.ok()) return {{}, made.error};
    c.changes.push_back("created profile " + r.profileName);
  } else if (prof.metadata.value("config", nlohmann::json()) != r.profile["config"] ||
             prof.metadata.value("devices", nlohmann::json()) != r.profile["devices"] ||
             prof.metadata.value("description", "") != r.profile.value("description", "")) {
    Response put = client.request("PUT", "/1.0/profiles/" + r.profileName, body, prof.etag);
    if (!put.ok()) return {{}, put.error};
    c.changes.push_back("replaced profile " + r.profileName);
  }
  const std::string own = record["raw.lxc"].is_string() ? record["raw.lxc"].get<std::string>() : std::string();
  const std::string raw = mergedRawLxc(own, value(r.profile["config"], "raw.lxc"), r.hookLine);
  nlohmann::json profiles = withoutProfile(inst.metadata.value("profiles", nlohmann::json::array()), r.profileName);
  profiles.push_back(r.profileName);
  nlohmann::json patch = {{"config", {{"raw.lxc", raw}, {kInstallKey, record.dump()}}}, {"profiles", profiles}};
  if (value(config, "raw.lxc") == raw && value(config, kInstallKey) == record.dump() &&
      inst.metadata.value("profiles", nlohmann::json()) == profiles)
    return c;   // installed as asked already
  Response done = client.request("PATCH", "/1.0/instances/" + r.instance, patch, inst.etag);
  if (!done.ok()) return {{}, done.error};
  c.changes.push_back(fmt::format("{}: profiles {}, raw.lxc = {} own line(s) + ward's + the start check", r.instance,
                                  profiles.dump(), settingLines(own).size()));
  return c;
}

Changed uninstall(const Client& client, const std::string& instance) {
  Changed c;
  Response inst = client.get("/1.0/instances/" + instance);
  if (!inst.ok()) return {{}, inst.error};
  const nlohmann::json config = inst.metadata.value("config", nlohmann::json::object());
  const std::string prev = value(config, kInstallKey);
  if (prev.empty()) return c;   // not installed: nothing to do
  nlohmann::json record = nlohmann::json::parse(prev, nullptr, false);
  if (record.is_discarded() || !record.is_object() || !record.contains("profile"))
    return {{}, fmt::format("{}: {} is not ward's record; nothing changed", instance, kInstallKey)};
  const std::string name = record.value("profile", "");
  nlohmann::json restore = record.value("raw.lxc", nlohmann::json());
  nlohmann::json patch = {
      {"config", {{"raw.lxc", restore.is_string() ? restore.get<std::string>() : std::string()}, {kInstallKey, ""}}},
      {"profiles", withoutProfile(inst.metadata.value("profiles", nlohmann::json::array()), name)}};
  Response done = client.request("PATCH", "/1.0/instances/" + instance, patch, inst.etag);
  if (!done.ok()) return {{}, done.error};
  c.changes.push_back(fmt::format("{}: raw.lxc {}, profile {} removed", instance,
                                  restore.is_string() ? "restored" : "removed (it had none)", name));
  Response prof = client.get("/1.0/profiles/" + name);
  if (prof.ok() && prof.metadata.value("used_by", nlohmann::json::array()).empty()) {
    Response del = client.request("DELETE", "/1.0/profiles/" + name, nullptr, {});
    if (!del.ok()) return {c.changes, del.error};
    c.changes.push_back("deleted profile " + name + " (no instance uses it)");
  }
  return c;
}

std::vector<std::string> checkStart(const std::string& configPath, const std::string& config,
                                    const std::string& wardRawLxc, const std::string& hookLine,
                                    const std::string& seccomp, const std::string& expectedSeccomp) {
  std::vector<std::string> problems;
  const auto lines = settingLines(config);
  const auto ward = settingLines(wardRawLxc);
  // The last place where ward's lines stand as one block.
  std::optional<std::size_t> at;
  for (std::size_t i = 0; !ward.empty() && i + ward.size() <= lines.size(); ++i) {
    bool same = true;
    for (std::size_t k = 0; k < ward.size() && same; ++k) same = lines[i + k].second == ward[k].second;
    if (same) at = i;
  }
  if (!at) {
    problems.push_back(fmt::format("{}: ward's raw.lxc lines are not there as one block (raw.lxc replaced or "
                                   "edited after `ward lxd-install`?)", configPath));
  } else {
    for (std::size_t i = *at + ward.size(); i < lines.size(); ++i) {
      const std::string& l = lines[i].second;
      if (startsWith(l, "lxc.hook.pre-start") && l.find(hookLine) != std::string::npos) continue;
      problems.push_back(fmt::format("{}:{}: '{}' comes after ward's policy and may override it", configPath,
                                     lines[i].first, l));
    }
  }
  if (normalised(seccomp) != normalised(expectedSeccomp))
    problems.push_back(fmt::format("{}: the seccomp policy LXD wrote is not the policy's (raw.seccomp changed, or "
                                   "another lxc.seccomp.profile)", configPath));
  return problems;
}

}  // namespace ward::lxd
