// ward: the command line. Argument parsing and calls into the library, nothing else.
// Exit codes: 0 ok, 1 verifier findings (or `fmt --check` found unformatted files), 2 invalid input or
// usage, 3 internal or I/O error. No exception or fatal signal escapes as a crash.
#include <csignal>
#include <initializer_list>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include <unistd.h>

#include "cli/commands.h"

namespace {

extern "C" void onFatalSignal(int sig) {
  // Only async-signal-safe calls here.
  const char msg[] = "ward: internal error: fatal signal; please report this with the input that caused it\n";
  ssize_t ignored = ::write(2, msg, sizeof msg - 1);
  (void)ignored;
  (void)sig;
  ::_exit(ward::cli::kExitInternal);
}

void installSignalHandlers() {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe becomes a write error, not a death
#if !defined(__SANITIZE_ADDRESS__)
  // Under ASan its own handler reports the fault; elsewhere turn it into exit 3 with a message.
  struct sigaction sa {};
  sa.sa_handler = onFatalSignal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(s, &sa, nullptr);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  installSignalHandlers();
  try {
    return ward::cli::run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("ward: internal error: out of memory\n", stderr);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ward: internal error: %s\n", e.what());
  } catch (...) {
    std::fputs("ward: internal error: unknown exception\n", stderr);
  }
  return ward::cli::kExitInternal;
}
