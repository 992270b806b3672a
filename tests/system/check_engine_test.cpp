// check_engine against real loopback servers and real processes: a small
// blocking HTTP server run by a thread of the test (switched between 200,
// 500, chunked, hanging and closing at once), a refused port, exec of real
// commands (true, false, sh, a missing binary) and process checks on this
// process, a reaped child and a zombie. Results are awaited on a condition
// variable, never with a blind sleep. Also unit checks of the HTTP reader and
// the URL and address rules, which need no I/O.
#define CAF_SUITE check_engine

#include <caf/test/unit_test.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "actors/health/check_engine.hpp"
#include "actors/http_request.hpp"
#include "actors/tcp_connect.hpp"
#include "tests/http_client.hpp"
#include "tests/require.hpp"
#include "tests/system/child_process.hpp"
#include "tests/system/loopback_server.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;
using namespace conductor::health;
using namespace std::chrono_literals;
using std::chrono::steady_clock;
using conductor::test::result_sink;
using conductor::test::server_mode;
using conductor::test::test_http_server;

namespace {

check_request http_check(uint64_t id, const std::string& url,
                         std::chrono::nanoseconds timeout = 2s) {
  check_request r;
  r.id = id;
  r.target = "web" + std::to_string(id);
  r.spec.type = "http";
  r.spec.url = url;
  r.timeout = timeout;
  return r;
}

check_request tcp_check(uint64_t id, const std::string& address,
                        std::chrono::nanoseconds timeout = 2s) {
  check_request r;
  r.id = id;
  r.target = "tcp" + std::to_string(id);
  r.spec.type = "tcp";
  r.spec.address = address;
  r.timeout = timeout;
  return r;
}

check_request exec_check(uint64_t id, std::vector<std::string> argv,
                         std::chrono::nanoseconds timeout = 2s) {
  check_request r;
  r.id = id;
  r.target = "exec" + std::to_string(id);
  r.spec.type = "exec";
  r.spec.command = std::move(argv);
  r.timeout = timeout;
  return r;
}

check_request process_check(uint64_t id, pid_t pid) {
  check_request r;
  r.id = id;
  r.target = "proc" + std::to_string(id);
  r.spec.type = "process";
  r.pid = pid;
  r.timeout = 1s;
  return r;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// -- /proc ------------------------------------------------------------------------

struct proc_stat {
  pid_t pid = 0;
  char state = '\0';
  pid_t ppid = 0;
  pid_t pgrp = 0;
};

std::vector<proc_stat> all_processes() {
  std::vector<proc_stat> out;
  DIR* dir = ::opendir("/proc");
  if (!dir)
    return out;
  while (auto* entry = ::readdir(dir)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
      continue;
    auto text = test::slurp(std::string{"/proc/"} + entry->d_name + "/stat");
    auto close = text.rfind(')');
    if (close == std::string::npos)
      continue;
    proc_stat s;
    s.pid = std::atoi(entry->d_name);
    int ppid = 0;
    int pgrp = 0;
    if (std::sscanf(text.c_str() + close + 1, " %c %d %d", &s.state, &ppid, &pgrp) != 3)
      continue;
    s.ppid = ppid;
    s.pgrp = pgrp;
    out.push_back(s);
  }
  ::closedir(dir);
  return out;
}

/// Children of this process, zombies included.
std::vector<pid_t> own_children() {
  std::vector<pid_t> out;
  for (auto& p : all_processes())
    if (p.ppid == ::getpid())
      out.push_back(p.pid);
  return out;
}

/// Members of process group `pgid` that are not zombies. (A killed grandchild
/// is re-parented to PID 1, which in a container may never reap it, so a
/// zombie left there says nothing about the engine.)
size_t live_group_members(pid_t pgid) {
  size_t n = 0;
  for (auto& p : all_processes())
    if (p.pgrp == pgid && p.state != 'Z')
      ++n;
  return n;
}

char state_of(pid_t pid) {
  for (auto& p : all_processes())
    if (p.pid == pid)
      return p.state;
  return '\0';
}

size_t open_descriptors() {
  size_t n = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (::readdir(dir))
      ++n;
    ::closedir(dir);
  }
  return n;
}

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

} // namespace

// -- pure parts: URL, address, response reader -------------------------------------

CAF_TEST(url_and_address_rules) {
  socket_address addr;
  std::string request;
  CAF_CHECK_EQUAL(prepare_http_request("https://127.0.0.1/", addr, request),
                  "https is not supported");
  CAF_CHECK(contains(prepare_http_request("ftp://x/", addr, request), "not an http:// URL"));
  CAF_CHECK(contains(prepare_http_request("http://example.com/", addr, request),
                     "not an IP address"));
  CAF_CHECK(contains(prepare_http_request("http://127.0.0.1:99999/", addr, request), "port"));
  CAF_CHECK(contains(prepare_http_request("http://127.0.0.1/a b", addr, request), "bad URL"));
  CAF_CHECK_EQUAL(prepare_http_request("http://localhost:8080/ready?x=1#frag", addr, request),
                  "");
  CAF_CHECK_EQUAL(request, "GET /ready?x=1 HTTP/1.1\r\nHost: localhost:8080\r\n"
                           "User-Agent: conductor\r\nAccept: */*\r\n"
                           "Connection: close\r\n\r\n");
  CAF_CHECK_EQUAL(addr.storage.ss_family, AF_INET);
  // A drain call: a POST that says it has no body.
  CAF_CHECK_EQUAL(prepare_http_request("http://127.0.0.1:7000/drain", addr, request, "POST"), "");
  CAF_CHECK_EQUAL(request, "POST /drain HTTP/1.1\r\nHost: 127.0.0.1:7000\r\n"
                           "User-Agent: conductor\r\nAccept: */*\r\n"
                           "Connection: close\r\nContent-Length: 0\r\n\r\n");
  CAF_CHECK_EQUAL(prepare_http_request("http://[::1]:81", addr, request), "");
  CAF_CHECK_EQUAL(addr.storage.ss_family, AF_INET6);
  CAF_CHECK(contains(request, "GET / HTTP/1.1\r\nHost: [::1]:81\r\n"));
  CAF_CHECK_EQUAL(parse_host_port("127.0.0.1:5432", addr), "");
  CAF_CHECK_EQUAL(parse_host_port("[::1]:5432", addr), "");
  CAF_CHECK(contains(parse_host_port("127.0.0.1", addr), "missing port"));
  CAF_CHECK(contains(parse_host_port("db.internal:5432", addr), "not an IP address"));
  CAF_CHECK(contains(parse_host_port("127.0.0.1:0", addr), "1..65535"));
}

CAF_TEST(response_reader_pieces_chunks_and_limits) {
  using progress = http_response_reader::progress;
  std::vector<int> any;
  http_response_reader reader;
  // Without a needle the reader stops after the headers, fed a byte at a time.
  reader.reset("", &any);
  std::string head = "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n";
  progress p = progress::more;
  for (char c : head)
    p = reader.feed(std::string_view{&c, 1});
  CAF_CHECK(p == progress::done);
  CAF_CHECK_EQUAL(reader.status(), 204);
  // A needle split across chunks is found after decoding.
  reader.reset("all good", &any);
  p = reader.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nall g\r\n");
  CAF_CHECK(p == progress::more);
  p = reader.feed("3\r\nood\r\n0\r\n\r\n");
  CAF_CHECK(p == progress::done);
  CAF_CHECK(reader.body_found());
  // Content-Length ends the body; the needle is absent.
  reader.reset("absent", &any);
  CAF_CHECK(reader.feed("HTTP/1.0 200 OK\nContent-Length: 5\n\nhello") == progress::done);
  CAF_CHECK(!reader.body_found());
  // A failing status is not worth reading the body for.
  reader.reset("x", &any);
  CAF_CHECK(reader.feed("HTTP/1.1 503 Busy\r\n\r\n") == progress::done);
  CAF_CHECK_EQUAL(reader.status(), 503);
  // No length: the body ends with the stream, and reading stops at 64 KiB.
  reader.reset("needle", &any);
  CAF_CHECK(reader.feed("HTTP/1.1 200 OK\r\n\r\nabc") == progress::more);
  CAF_CHECK(reader.end_of_stream() == progress::done);
  reader.reset("needle", &any);
  reader.feed("HTTP/1.1 200 OK\r\n\r\n");
  CAF_CHECK(reader.feed(std::string(http_body_limit, 'x')) == progress::done);
  CAF_CHECK(!reader.body_found());
  // Broken or missing responses.
  reader.reset("", &any);
  CAF_CHECK(reader.feed("SSH-2.0-OpenSSH\r\n") == progress::failed);
  CAF_CHECK_EQUAL(reader.error(), "malformed HTTP response");
  reader.reset("", &any);
  CAF_CHECK(reader.end_of_stream() == progress::failed);
  CAF_CHECK_EQUAL(reader.error(), "connection closed before a response");
  // Verdicts.
  std::string detail;
  CAF_CHECK(judge_http(200, {}, "", false, detail));
  CAF_CHECK_EQUAL(detail, "HTTP 200");
  CAF_CHECK(!judge_http(404, {200, 204}, "", false, detail));
  CAF_CHECK_EQUAL(detail, "HTTP 404 (expected 200, 204)");
  CAF_CHECK(judge_http(503, {503}, "", false, detail));
  CAF_CHECK(!judge_http(200, {}, "ok", false, detail));
  CAF_CHECK_EQUAL(detail, "HTTP 200 but the body lacks \"ok\"");
}

CAF_TEST(response_reader_keeps_whole_bodies_for_a_scrape) {
  using progress = http_response_reader::progress;
  http_response_reader reader;
  // Content-Length, fed in pieces: the whole body, not cut.
  reader.reset_for_body(1024);
  CAF_CHECK(reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nqueue") == progress::more);
  CAF_CHECK(reader.feed("_depth 3") == progress::done);
  CAF_CHECK_EQUAL(reader.body(), "queue_depth ");
  CAF_CHECK(!reader.body_truncated());
  // Chunked, decoded; then the body ends with the stream.
  reader.reset_for_body(1024);
  reader.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n");
  CAF_CHECK(reader.feed("0\r\n\r\n") == progress::done);
  CAF_CHECK_EQUAL(reader.body(), "{\"a\":1}");
  reader.reset_for_body(1024);
  CAF_CHECK(reader.feed("HTTP/1.0 200 OK\r\n\r\nx 1\n") == progress::more);
  CAF_CHECK(reader.end_of_stream() == progress::done);
  CAF_CHECK_EQUAL(reader.body(), "x 1\n");
  CAF_CHECK(!reader.body_truncated());
  // Past the limit: cut there and done.
  reader.reset_for_body(4);
  CAF_CHECK(reader.feed("HTTP/1.1 200 OK\r\n\r\nabcdef") == progress::done);
  CAF_CHECK_EQUAL(reader.body(), "abcd");
  CAF_CHECK(reader.body_truncated());
  // A body exactly at the limit is whole.
  reader.reset_for_body(4);
  CAF_CHECK(reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd") == progress::done);
  CAF_CHECK(!reader.body_truncated());
  // The peer closing before the promised length leaves a cut body.
  reader.reset_for_body(1024);
  reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  CAF_CHECK(reader.end_of_stream() == progress::done);
  CAF_CHECK(reader.body_truncated());
  // A failing status is not read; a reset clears the last body.
  reader.reset_for_body(1024);
  CAF_CHECK(reader.feed("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\n") == progress::done);
  CAF_CHECK_EQUAL(reader.status(), 404);
  CAF_CHECK_EQUAL(reader.body(), "");
  // A health check's reader after a scrape is a health check's reader again.
  std::vector<int> any;
  reader.reset("", &any);
  CAF_CHECK(reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n") == progress::done);
}

// -- http and tcp against real servers -----------------------------------------------

CAF_TEST(http_status_body_and_connection_failures) {
  test_http_server server;
  REQUIRE_OR_RETURN(server.port() != 0);
  result_sink sink;
  check_engine engine{sink.callback()};
  // Healthy 200, with and without a body check.
  engine.submit(http_check(1, server.url()));
  auto r = sink.wait_for(1);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(r->healthy);
  CAF_CHECK_EQUAL(r->http_status, 200);
  CAF_CHECK_EQUAL(r->detail, "HTTP 200");
  CAF_CHECK_EQUAL(r->target, "web1");
  CAF_CHECK(r->latency > 0ns && r->latency < 2s);
  auto request = server.last_request();
  CAF_CHECK(contains(request, "GET /health HTTP/1.1\r\n"));
  CAF_CHECK(contains(request, "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"));
  CAF_CHECK(contains(request, "Connection: close\r\n"));
  auto with_body = http_check(2, server.url());
  with_body.spec.expect_body = "all good";
  engine.submit(with_body);
  r = sink.wait_for(2);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(r->healthy);
  auto wrong_body = http_check(3, server.url());
  wrong_body.spec.expect_body = "degraded";
  engine.submit(wrong_body);
  r = sink.wait_for(3);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(!r->healthy);
  CAF_CHECK_EQUAL(r->detail, "HTTP 200 but the body lacks \"degraded\"");
  // Failing 500, and 500 when it is the expected status.
  server.set_mode(server_mode::fail);
  engine.submit(http_check(4, server.url()));
  r = sink.wait_for(4);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(!r->healthy);
  CAF_CHECK_EQUAL(r->http_status, 500);
  CAF_CHECK_EQUAL(r->detail, "HTTP 500");
  auto expect_500 = http_check(5, server.url());
  expect_500.spec.expect_status = {500};
  engine.submit(expect_500);
  r = sink.wait_for(5);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(r->healthy);
  // A chunked body with the needle across a chunk boundary.
  server.set_mode(server_mode::chunked);
  auto chunked = http_check(6, server.url());
  chunked.spec.expect_body = "all good";
  engine.submit(chunked);
  r = sink.wait_for(6);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(r->healthy);
  CAF_CHECK_EQUAL(r->detail, "HTTP 200");
  // Accepted and closed without a word; then a port nobody listens on.
  server.set_mode(server_mode::close_early);
  engine.submit(http_check(7, server.url()));
  r = sink.wait_for(7);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(!r->healthy);
  CAF_CHECK_EQUAL(r->detail, "connection closed before a response");
  CAF_CHECK_EQUAL(r->http_status, 0);
  auto refused_port = test::free_port();
  engine.submit(http_check(8, "http://127.0.0.1:" + std::to_string(refused_port) + "/"));
  r = sink.wait_for(8);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(!r->healthy);
  CAF_CHECK_EQUAL(r->detail, "connection refused");
  // Refused before any I/O.
  engine.submit(http_check(9, "https://127.0.0.1/"));
  engine.submit(http_check(10, "http://example.com/"));
  auto zero_timeout = http_check(11, server.url());
  zero_timeout.timeout = 0s;
  engine.submit(zero_timeout);
  auto unknown = http_check(12, server.url());
  unknown.spec.type = "grpc";
  engine.submit(unknown);
  REQUIRE_OR_RETURN(sink.wait_count(12));
  CAF_CHECK_EQUAL(sink.detail_of(9), "https is not supported");
  CAF_CHECK(contains(sink.detail_of(10), "not an IP address"));
  CAF_CHECK_EQUAL(sink.detail_of(11), "timeout must be positive");
  CAF_CHECK_EQUAL(sink.detail_of(12), "unknown check type \"grpc\"");
  CAF_CHECK(test::eventually([&] { return engine.in_flight() == 0; }, 2s));
}

CAF_TEST(tcp_connect_and_refused) {
  test_http_server listener; // accepts and closes: a plain TCP listener
  REQUIRE_OR_RETURN(listener.port() != 0);
  listener.set_mode(server_mode::close_early);
  result_sink sink;
  check_engine engine{sink.callback()};
  engine.submit(tcp_check(1, "127.0.0.1:" + std::to_string(listener.port())));
  engine.submit(tcp_check(2, "localhost:" + std::to_string(listener.port())));
  engine.submit(tcp_check(3, "127.0.0.1:" + std::to_string(test::free_port())));
  engine.submit(tcp_check(4, "127.0.0.1"));
  REQUIRE_OR_RETURN(sink.wait_count(4));
  auto r1 = sink.wait_for(1);
  CAF_CHECK(r1->healthy);
  CAF_CHECK_EQUAL(r1->detail, "connected");
  auto r2 = sink.wait_for(2);
  CAF_CHECK(r2 && r2->healthy);
  auto r3 = sink.wait_for(3);
  CAF_CHECK(!r3->healthy);
  CAF_CHECK_EQUAL(r3->detail, "connection refused");
  CAF_CHECK(contains(sink.detail_of(4), "missing port"));
}

CAF_TEST(hung_target_times_out_without_delaying_another) {
  test_http_server hung;
  test_http_server healthy;
  REQUIRE_OR_RETURN(hung.port() != 0 && healthy.port() != 0);
  hung.set_mode(server_mode::hang);
  result_sink sink;
  check_engine engine{sink.callback()};
  auto start = steady_clock::now();
  engine.submit(http_check(1, hung.url(), 1s));
  // Make sure the hung check is really waiting on its connection first.
  REQUIRE_OR_RETURN(test::eventually([&] { return hung.accepted() == 1; }, 2s));
  engine.submit(http_check(2, healthy.url(), 2s));
  auto fast = sink.wait_for(2, 3s);
  auto fast_at = steady_clock::now() - start;
  REQUIRE_OR_RETURN(fast);
  CAF_CHECK(fast->healthy);
  CAF_CHECK(fast->latency < 500ms);
  CAF_CHECK(fast_at < 900ms);
  CAF_CHECK_EQUAL(sink.count(), 1u); // the hung one is still waiting
  auto slow = sink.wait_for(1, 3s);
  REQUIRE_OR_RETURN(slow);
  CAF_CHECK(!slow->healthy);
  CAF_CHECK_EQUAL(slow->detail, "timeout after 1s (waiting for the response)");
  CAF_CHECK(slow->latency >= 1s && slow->latency < 1500ms);
  CAF_MESSAGE("healthy result after " << ms(fast->latency) << " ms, hung one timed out after "
                                      << ms(slow->latency) << " ms");
}

CAF_TEST(two_hundred_concurrent_http_checks) {
  test_http_server server;
  REQUIRE_OR_RETURN(server.port() != 0);
  result_sink sink;
  check_engine engine{sink.callback()};
  auto start = steady_clock::now();
  for (uint64_t id = 1; id <= 200; ++id)
    engine.submit(http_check(id, server.url(), 5s));
  REQUIRE_OR_RETURN(sink.wait_count(200, 8s));
  auto took = steady_clock::now() - start;
  size_t healthy = 0;
  for (auto& r : sink.all())
    healthy += r.healthy ? 1 : 0;
  CAF_CHECK_EQUAL(healthy, 200u);
  // in_flight() drops once the callback has returned, a moment after it ran.
  CAF_CHECK(test::eventually([&] { return engine.in_flight() == 0; }, 2s));
  CAF_MESSAGE("200 concurrent checks in " << ms(took) << " ms");
}

CAF_TEST(a_thousand_http_checks_in_waves_all_succeed) {
  // 1000 targets, submitted in waves of 100 as a staggered schedule would.
  // What this costs is measured in bench/, not asserted here.
  test_http_server server;
  REQUIRE_OR_RETURN(server.port() != 0);
  std::mutex mutex;
  std::condition_variable cv;
  size_t done = 0;
  size_t healthy = 0;
  check_engine engine{[&](check_result r) {
    std::lock_guard<std::mutex> guard{mutex};
    ++done;
    healthy += r.healthy ? 1 : 0;
    cv.notify_all();
  }};
  auto wait_done = [&](size_t n) {
    std::unique_lock<std::mutex> lock{mutex};
    return cv.wait_for(lock, 8s, [&] { return done >= n; });
  };
  for (uint64_t wave = 0; wave < 10; ++wave) {
    for (uint64_t i = 1; i <= 100; ++i)
      engine.submit(http_check(wave * 100 + i, server.url(), 5s));
    REQUIRE_OR_RETURN(wait_done((wave + 1) * 100));
  }
  std::lock_guard<std::mutex> guard{mutex};
  CAF_CHECK_EQUAL(healthy, 1000u);
}

// -- exec ---------------------------------------------------------------------------

CAF_TEST(exec_exit_codes_output_and_missing_binary) {
  result_sink sink;
  check_engine engine{sink.callback()};
  engine.submit(exec_check(1, {"/bin/true"}));
  engine.submit(exec_check(2, {"/bin/false"}));
  engine.submit(exec_check(3, {"sh", "-c", "echo out; echo err >&2; exit 3"}));
  engine.submit(exec_check(4, {"sh", "-c", "head -c 10000 /dev/zero | tr '\\0' x; echo done"}));
  engine.submit(exec_check(5, {"/no/such/binary", "--flag"}));
  engine.submit(exec_check(6, {}));
  engine.submit(exec_check(7, {"true"})); // PATH search
  REQUIRE_OR_RETURN(sink.wait_count(7));
  auto r1 = sink.wait_for(1);
  CAF_CHECK(r1->healthy);
  CAF_CHECK_EQUAL(r1->exit_code, 0);
  CAF_CHECK_EQUAL(r1->detail, "exit code 0");
  auto r2 = sink.wait_for(2);
  CAF_CHECK(!r2->healthy);
  CAF_CHECK_EQUAL(r2->exit_code, 1);
  CAF_CHECK_EQUAL(r2->detail, "exit code 1");
  auto r3 = sink.wait_for(3);
  CAF_CHECK(!r3->healthy);
  CAF_CHECK_EQUAL(r3->exit_code, 3);
  CAF_CHECK_EQUAL(r3->output, "out\nerr\n");
  auto r4 = sink.wait_for(4);
  CAF_CHECK(r4->healthy);
  CAF_CHECK_EQUAL(r4->output.size(), exec_output_limit);
  CAF_CHECK_EQUAL(r4->output, std::string(exec_output_limit, 'x'));
  auto r5 = sink.wait_for(5);
  CAF_CHECK(!r5->healthy);
  CAF_CHECK_EQUAL(r5->detail, "command not found: \"/no/such/binary\"");
  CAF_CHECK_EQUAL(r5->exit_code, -1);
  CAF_CHECK_EQUAL(sink.detail_of(6), "empty command");
  auto r7 = sink.wait_for(7);
  CAF_CHECK(r7 && r7->healthy);
  CAF_CHECK(own_children().empty());
}

CAF_TEST(exec_timeout_kills_the_process_group) {
  test::temp_dir dir;
  auto pid_file = dir.file("pids");
  result_sink sink;
  check_engine engine{sink.callback()};
  // The shell and a background sleep share the command's process group; the
  // shell writes both pids before it blocks.
  engine.submit(exec_check(1, {"sh", "-c", "sleep 5 & echo $$ $! > " + pid_file + "; sleep 5"},
                           200ms));
  auto r = sink.wait_for(1, 3s);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(!r->healthy);
  CAF_CHECK_EQUAL(r->detail, "killed after timeout 200ms");
  CAF_CHECK_EQUAL(r->exit_code, -1);
  CAF_CHECK(r->latency >= 200ms && r->latency < 1s);
  int leader = 0;
  int background = 0;
  auto pids = test::slurp(pid_file);
  REQUIRE_OR_RETURN(std::sscanf(pids.c_str(), "%d %d", &leader, &background) == 2);
  // Reaped before the result was reported: not our child any more, and no
  // live process left in its group.
  CAF_CHECK(own_children().empty());
  int status = 0;
  CAF_CHECK_EQUAL(::waitpid(leader, &status, WNOHANG), -1);
  CAF_CHECK_EQUAL(live_group_members(leader), 0u);
  auto bg_state = state_of(background);
  CAF_CHECK(bg_state == '\0' || bg_state == 'Z');
  CAF_MESSAGE("killed after " << ms(r->latency) << " ms");
  // The plain form from the spec, too.
  engine.submit(exec_check(2, {"sh", "-c", "sleep 5"}, 200ms));
  r = sink.wait_for(2, 3s);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK_EQUAL(r->detail, "killed after timeout 200ms");
  CAF_CHECK(own_children().empty());
}

// -- process ------------------------------------------------------------------------

CAF_TEST(process_alive_reaped_and_zombie) {
  result_sink sink;
  check_engine engine{sink.callback()};
  engine.submit(process_check(1, ::getpid()));
  auto r = sink.wait_for(1);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(r->healthy);
  CAF_CHECK(contains(r->detail, "running"));
  // A child that exited and was reaped.
  pid_t reaped = ::fork();
  if (reaped == 0)
    ::_exit(0);
  REQUIRE_OR_RETURN(reaped > 0);
  int status = 0;
  ::waitpid(reaped, &status, 0);
  engine.submit(process_check(2, reaped));
  r = sink.wait_for(2);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(!r->healthy);
  CAF_CHECK_EQUAL(r->detail, "not running");
  // A child that exited and was not reaped: a zombie.
  pid_t zombie = ::fork();
  if (zombie == 0)
    ::_exit(0);
  REQUIRE_OR_RETURN(zombie > 0);
  bool is_zombie = test::eventually([&] { return state_of(zombie) == 'Z'; }, 2s);
  engine.submit(process_check(3, zombie));
  r = sink.wait_for(3);
  ::waitpid(zombie, &status, 0);
  REQUIRE_OR_RETURN(is_zombie && r);
  CAF_CHECK(!r->healthy);
  CAF_CHECK_EQUAL(r->detail, "zombie (exited, not reaped)");
  engine.submit(process_check(4, 0));
  r = sink.wait_for(4);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(!r->healthy);
  CAF_CHECK_EQUAL(r->detail, "no pid");
}

// -- shutdown -----------------------------------------------------------------------

CAF_TEST(destruction_with_checks_in_flight) {
  test_http_server hung;
  REQUIRE_OR_RETURN(hung.port() != 0);
  hung.set_mode(server_mode::hang);
  result_sink sink;
  std::vector<pid_t> leaders;
  auto engine = std::make_unique<check_engine>(sink.callback());
  for (uint64_t id = 1; id <= 3; ++id)
    engine->submit(exec_check(id, {"sh", "-c", "sleep 5 & sleep 5"}, 10s));
  engine->submit(http_check(4, hung.url(), 10s));
  engine->submit(http_check(5, hung.url(), 10s));
  CAF_CHECK(test::eventually(
    [&] { return own_children().size() == 3 && hung.accepted() == 2; }, 3s));
  leaders = own_children();
  CAF_CHECK_EQUAL(engine->in_flight(), 5u);
  auto start = steady_clock::now();
  engine.reset();
  auto took = steady_clock::now() - start;
  CAF_MESSAGE("destroyed with 5 checks in flight in " << ms(took) << " ms");
  CAF_CHECK(took < 1s);
  CAF_CHECK_EQUAL(sink.count(), 0u); // in-flight results are dropped
  CAF_CHECK(own_children().empty());
  for (auto leader : leaders)
    CAF_CHECK_EQUAL(live_group_members(leader), 0u);
}

CAF_TEST(no_descriptor_leaks) {
  auto before = open_descriptors();
  {
    test_http_server ok;
    test_http_server hung;
    REQUIRE_OR_RETURN(ok.port() != 0 && hung.port() != 0);
    hung.set_mode(server_mode::hang);
    result_sink sink;
    check_engine engine{sink.callback()};
    engine.submit(http_check(1, ok.url()));
    engine.submit(http_check(2, hung.url(), 100ms));
    engine.submit(http_check(3, "http://127.0.0.1:" + std::to_string(test::free_port())));
    engine.submit(tcp_check(4, "127.0.0.1:" + std::to_string(ok.port())));
    engine.submit(exec_check(5, {"/bin/true"}));
    engine.submit(exec_check(6, {"sleep", "5"}, 100ms));
    engine.submit(exec_check(7, {"/no/such/binary"}));
    CAF_CHECK(sink.wait_count(7, 3s));
    CAF_CHECK(test::eventually([&] { return engine.in_flight() == 0; }, 2s));
  }
  CAF_CHECK_EQUAL(open_descriptors(), before);
  CAF_CHECK(own_children().empty());
}
