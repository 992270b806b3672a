// temp_dir.hpp -- a private directory under /tmp, removed with everything in it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace conductor::test {

class temp_dir {
public:
  temp_dir() {
    char tmpl[] = "/tmp/conductor-test-XXXXXX";
    if (!::mkdtemp(tmpl))
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const {
    return path_;
  }
  std::string file(const std::string& name) const {
    return path_ + "/" + name;
  }
  /// Writes (replacing) `name` in the directory, creating the directories
  /// on the way ("self/stat").
  void write(const std::string& name, const std::string& text) const {
    std::filesystem::create_directories(std::filesystem::path{file(name)}.parent_path());
    std::ofstream out{file(name), std::ios::trunc};
    out << text;
  }

private:
  std::string path_;
};

} // namespace conductor::test
