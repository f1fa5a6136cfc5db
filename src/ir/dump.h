#pragma once
// The IR as JSON, for `ward dump-ir`, golden tests and tools. Every field of ir::Policy is present (the
// mechanism too, once lowered); spans are {"file", "line", "col", "endLine", "endCol"} with the file's
// display name, or null when absent. Object keys are sorted (nlohmann::json's map), so the output is
// byte-for-byte stable for the same policy.
#include <nlohmann/json.hpp>

#include "ir/policy.h"

namespace ward::ir {

nlohmann::json toJson(const Policy& policy);
nlohmann::json spanToJson(const Policy& policy, const Span& span);
const char* actionKindName(Action::Kind kind);   // "allow", "errno", "kill_process", ...
const char* opName(ArgCondition::Op op);         // "==", "!=", ..., "masked=="
const char* fsModeName(FsMode mode);             // "off", "ro", "mixed", "rw"
const char* protoName(Endpoint::Proto proto);    // "tcp", "udp", "sctp"
// An action as the language writes it: "allow", "errno EPERM" (the number when there is no name), "kill" ...
std::string actionText(const Action& action);

}  // namespace ward::ir
