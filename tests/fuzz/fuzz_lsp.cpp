// libFuzzer target: the language server's input (`ward lsp`): its framing, JSON-RPC and every request it
// answers. The first byte picks the mode:
//   even: the rest is the raw byte stream on the server's stdin (framing, headers, resync);
//   odd:  the rest is a sequence of JSON message bodies separated by "\n@@\n" lines; each is framed
//         correctly and sent after an `initialize`, so mutations reach the handlers instead of the framer.
// The stream ends after the input, so serve() returns; its output goes to /dev/null. Nothing but the
// source tree's stdlib is read (no stock profiles for hover, no verifier thread).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "fuzz_input.h"
#include "lsp/server.h"
#include "ward/source_dir.h"

namespace {

std::string frame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

ward::lsp::ServerOptions options() {
  ward::lsp::ServerOptions o;
  o.includeDirs = {WARD_SOURCE_STDLIB};
  o.dockerProfile.clear();
  o.lxcSeccomp.clear();
  o.verify = false;
  o.maxMessageBytes = 1 << 20;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string stream;
  if (data[0] % 2 == 0) {
    stream.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  } else {
    stream = frame(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"capabilities":{}}})");
    stream += frame(R"({"jsonrpc":"2.0","method":"initialized","params":{}})");
    for (const auto& body : ward::fuzz::splitParts(data + 1, size - 1, 64)) stream += frame(body);
  }
  int in = ::memfd_create("lsp-in", MFD_CLOEXEC);
  int out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (in < 0 || out < 0) __builtin_trap();
  std::size_t done = 0;
  while (done < stream.size()) {
    ssize_t n = ::write(in, stream.data() + done, stream.size() - done);
    if (n <= 0) __builtin_trap();
    done += static_cast<std::size_t>(n);
  }
  ::lseek(in, 0, SEEK_SET);
  (void)ward::lsp::serve(in, out, options());
  ::close(in);
  ::close(out);
  return 0;
}
