// memory_hog -- a plugin for the end-to-end tests that allocates memory on
// command: each SIGUSR2 allocates (and touches, so it is resident) another
// <MiB> given as its argument; SIGTERM, SIGINT and SIGUSR1 (a drain) end it.
// Standalone on purpose: it is a managed plugin, not part of conductor.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2 || std::atol(argv[1]) <= 0) {
    std::fprintf(stderr, "usage: memory_hog <MiB per SIGUSR2>\n");
    return 2;
  }
  const size_t chunk = static_cast<size_t>(std::atol(argv[1])) << 20;
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT})
    sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  std::vector<char*> blocks;
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0)
      return 1;
    if (sig != SIGUSR2)
      return 0;
    auto* block = static_cast<char*>(std::malloc(chunk));
    if (!block)
      return 1;
    std::memset(block, 1, chunk);
    blocks.push_back(block);
    std::printf("holding %zu MiB\n", blocks.size() * (chunk >> 20));
    std::fflush(stdout);
  }
}
