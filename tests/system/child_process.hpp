// child_process.hpp -- runs the real conductor binary for system tests:
// fork/exec with stderr captured to a file, signals, and bounded waits.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace conductor::test {

/// Reads a whole file ("" if it cannot).
inline std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Polls `done` every 20 ms until it holds or `limit` passes. For waiting on a
/// real process (a port opening, a log line), never on actors.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

class child_process {
public:
  /// Starts `argv` with stdout to `out_path` and stderr to `err_path`.
  child_process(std::vector<std::string> argv, std::string out_path, std::string err_path)
    : out_path_(std::move(out_path)), err_path_(std::move(err_path)) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      ::dup2(err, 2);
      // The test runner may block signals; the child must start clean.
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      std::vector<char*> args;
      for (auto& a : argv)
        args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }

  ~child_process() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  bool running() {
    if (exited_)
      return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      record(status);
      return false;
    }
    return true;
  }

  void signal(int sig) {
    ::kill(pid_, sig);
  }

  pid_t pid() const {
    return pid_;
  }

  /// Waits up to `limit` for the exit; returns the exit code, or -1 on timeout
  /// and -2 when the process died of a signal.
  int wait(std::chrono::milliseconds limit) {
    eventually([this] { return !running(); }, limit);
    if (!exited_)
      return -1;
    return code_;
  }

  std::string out() const {
    return slurp(out_path_);
  }
  std::string err() const {
    return slurp(err_path_);
  }

private:
  void record(int status) {
    exited_ = true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -2;
  }

  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
  std::string out_path_;
  std::string err_path_;
};

/// Runs `argv` to completion (bounded) and returns (exit code, stdout, stderr).
struct run_result {
  int code;
  std::string out;
  std::string err;
};

inline run_result run_to_end(std::vector<std::string> argv, const std::string& scratch_dir) {
  child_process p{std::move(argv), scratch_dir + "/run.out", scratch_dir + "/run.err"};
  auto code = p.wait(std::chrono::seconds(10));
  return {code, p.out(), p.err()};
}

} // namespace conductor::test
