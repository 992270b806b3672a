// corpus_main.cpp -- runs a fuzz target once on every file of the paths given
// (directories: their files, sorted; files: themselves), without libFuzzer.
//
// This is how every build (gcc included, and the sanitizer builds `make test`
// runs) keeps the committed corpus and every regression input passing: ctest's
// fuzz_corpus_<name> entries run `<name>_corpus fuzz/corpus/<name>
// fuzz/regressions/<name>`. A broken invariant or a sanitizer report aborts
// with the input's name on stderr. A missing directory counts as empty (git
// keeps no empty directories); no input at all is a failure, so a corpus
// that went missing cannot pass unnoticed.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    fs::path p{argv[i]};
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator{p, ec})
        if (entry.is_regular_file(ec))
          files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else if (fs::is_regular_file(p, ec)) {
      inputs.push_back(p);
    } else {
      std::fprintf(stderr, "%s: no such directory, counted as empty\n", argv[i]);
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "no inputs found\n");
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  for (const auto& path : inputs) {
    std::ifstream in{path, std::ios::binary};
    std::string bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "%s: cannot read\n", path.c_str());
      return 1;
    }
    std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), bytes.size());
    // A copy of exactly `size` bytes on the heap, as libFuzzer passes it, so
    // ASan sees a read past the end.
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.data(), data.size());
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - start)
              .count();
  std::printf("%zu inputs ok in %lld ms\n", inputs.size(), static_cast<long long>(ms));
  return 0;
}
