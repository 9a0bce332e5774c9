// Test fixtures that start real PostgreSQL and Redis instances, and the
// throwaway certificates that a TLS Redis needs.
#include "support/services.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "platform/base/config.h"
#include "support/sanitizer_reports.h"

extern char** environ;

namespace tenantry::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path source_dir() { return TENANTRY_SOURCE_DIR; }
fs::path binary_dir() { return TENANTRY_BINARY_DIR; }

unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("free_port: cannot bind a socket");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::size_t count_occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "tenantry-test.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
  // PostgreSQL runs as nobody when the tests run as root: let it traverse.
  fs::permissions(path_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env,
                           fs::path log_file)
    : log_file_(std::move(log_file)) {
  for (auto& [name, value] : sanitizer_log_environment(sanitizer_prefix(), env)) env[name] = value;
  std::vector<std::string> env_strings;
  // The project's variables come from `env` only: none of the shell's
  // (TENANTRY_TEST_JOBS, a developer's DATABASE_URL) reaches the child.
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    auto name = entry.substr(0, entry.find('='));
    bool ours = std::any_of(std::begin(base::kProjectPrefixes), std::end(base::kProjectPrefixes),
                            [&](std::string_view prefix) { return name.starts_with(prefix); });
    if (!env.count(name) && !ours) env_strings.push_back(entry);
  }
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> args, envp;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int log_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open log file " + log_file_.string());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(log_fd);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && running()) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    wait(5s);
  }
  check_sanitizer_reports();
}

bool ChildProcess::running() {
  if (status_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  check_sanitizer_reports();  // the child wrote its last report before it exited
  return false;
}

fs::path ChildProcess::sanitizer_prefix() const { return log_file_.string() + ".sanitizer"; }

void ChildProcess::check_sanitizer_reports() {
  if (reports_checked_) return;
  reports_checked_ = true;
  auto what = "child process " + std::to_string(pid_) + " (log " + log_file_.string() + ")";
  fail_on_sanitizer_reports(sanitizer_prefix(), what);
  fail_on_ubsan_reports_in_log(log_file_, what);
}

void ChildProcess::signal(int signo) {
  if (running()) ::kill(pid_, signo);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  wait_until([this] { return !running(); }, timeout, 10ms);
  return status_;
}

std::string ChildProcess::log() const {
  std::ifstream in(log_file_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

namespace {

void run_or_throw(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("command failed: " + command);
}

// Runs the openssl CLI in `dir`; its chatter goes to a log that a failure
// reports (the directory may not outlive the exception).
void openssl(const fs::path& dir, const std::string& args) {
  auto log = dir / "openssl.log";
  auto command = "cd '" + dir.string() + "' && openssl " + args + " >'" + log.string() + "' 2>&1";
  if (std::system(command.c_str()) == 0) return;
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  throw std::runtime_error("command failed: openssl " + args + "\n" + text.str());
}

bool postgres_accepts(unsigned short port) {
  auto conninfo = "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=postgres";
  return PQping(conninfo.c_str()) == PQPING_OK;
}

bool tcp_accepts(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

PostgresServer::PostgresServer() : port_(free_port()) {
  run_or_throw((source_dir() / "scripts/pg").string() + " init " + (dir_.path() / "data").string() +
               " " + secrets_dir().string());
  start();
  run_or_throw((source_dir() / "scripts/pg").string() + " bootstrap " + std::to_string(port_) +
               " " + secrets_dir().string());
}

void PostgresServer::start() {
  process_.reset();
  process_.emplace(
      std::vector<std::string>{(source_dir() / "scripts/pg").string(), "run",
                               (dir_.path() / "data").string(), std::to_string(port_)},
      std::map<std::string, std::string>{{"PG_EXTRA_OPTS", "-c fsync=off -c log_connections=on"}},
      dir_.path() / "postgres.log");
  if (!wait_until([this] { return postgres_accepts(port_) || !process_->running(); }, 30s) ||
      !process_->running()) {
    throw std::runtime_error("PostgreSQL did not start on port " + std::to_string(port_) + ":\n" +
                             process_->log());
  }
}

void PostgresServer::stop() {
  process_->signal(SIGINT);  // fast shutdown
  if (!process_->wait(30s)) throw std::runtime_error("PostgreSQL did not stop");
}

std::string PostgresServer::log() const { return process_->log(); }

namespace {

// What `scripts/pg url` prints: the role's URL with its password file.
std::string role_url(const PostgresServer& pg, const std::string& role,
                     const std::string& database) {
  return "postgresql://" + role + "@127.0.0.1:" + std::to_string(pg.port()) + "/" + database +
         "?passfile=" + (pg.secrets_dir() / (role + ".pgpass")).string();
}

}  // namespace

std::string PostgresServer::url() const { return role_url(*this, "tenantry_app", "tenantry"); }

std::string PostgresServer::owner_url() const {
  return role_url(*this, "tenantry_owner", "tenantry");
}

std::string PostgresServer::system_url() const {
  return role_url(*this, "tenantry_system", "tenantry");
}

std::string PostgresServer::platform_url() const {
  return role_url(*this, "tenantry_platform", "tenantry");
}

std::string PostgresServer::superuser_url(const std::string& database) const {
  return role_url(*this, "postgres", database);
}

void PostgresServer::migrate() const {
  // A ChildProcess, not system(): its sanitizer reports are checked too.
  ChildProcess run({(binary_dir() / "bin/tenantry-migrate").string(), "up", "--dir",
                    (source_dir() / "migrations").string()},
                   {{"MIGRATE_DATABASE_URL", owner_url()}}, dir_.path() / "migrate.log");
  if (run.wait(60s) != 0) throw std::runtime_error("tenantry-migrate up failed:\n" + run.log());
}

fs::path make_test_ca(const fs::path& dir) {
  // EC keys: made in milliseconds, where RSA takes a noticeable while.
  openssl(dir,
          "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
          " -subj /CN=tenantry-test-ca -keyout ca.key -out ca.pem");
  return dir / "ca.pem";
}

RedisServer::RedisServer(Mode mode) : mode_(mode), port_(free_port()) {
  if (mode_ == Mode::kTls) {
    // The certificate names 127.0.0.1 only (as an IP SAN), which is what the
    // client's host name check compares with url()'s host.
    auto dir = dir_.path();
    make_test_ca(dir);
    std::ofstream(dir / "server.ext") << "subjectAltName=IP:127.0.0.1\n";
    openssl(dir,
            "req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1"
            " -keyout server.key -out server.csr");
    openssl(dir,
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2"
            " -extfile server.ext -out server.pem");
    password_ = "tls-test-password";
  }
  start();
}

void RedisServer::start() {
  process_.reset();
  if (mode_ == Mode::kPlain) {
    process_.emplace(
        std::vector<std::string>{(source_dir() / "scripts/redis").string(), "run",
                                 (dir_.path() / "data").string(), std::to_string(port_)},
        std::map<std::string, std::string>{}, dir_.path() / "redis.log");
  } else {
    // scripts/redis has no TLS; the same settings that matter here, with TLS
    // only (port 0 turns the plain port off). A config file keeps the
    // password out of argv.
    auto dir = dir_.path();
    fs::create_directories(dir / "data");
    std::ofstream conf(dir / "redis.conf");
    conf << "bind 127.0.0.1\n"
         << "port 0\n"
         << "tls-port " << port_ << "\n"
         << "tls-cert-file " << (dir / "server.pem").string() << "\n"
         << "tls-key-file " << (dir / "server.key").string() << "\n"
         << "tls-ca-cert-file " << (dir / "ca.pem").string() << "\n"
         << "tls-auth-clients no\n"
         << "requirepass " << password_ << "\n"
         << "dir " << (dir / "data").string() << "\n"
         << "daemonize no\n"
         << "save \"\"\n"
         << "appendonly no\n"
         << "logfile \"\"\n";
    conf.close();
    process_.emplace(
        std::vector<std::string>{"/usr/bin/env", "redis-server", (dir / "redis.conf").string()},
        std::map<std::string, std::string>{}, dir / "redis.log");
  }
  if (!wait_until([this] { return tcp_accepts(port_) || !process_->running(); }, 30s) ||
      !process_->running()) {
    throw std::runtime_error("Redis did not start on port " + std::to_string(port_) + ":\n" +
                             process_->log());
  }
}

void RedisServer::stop() {
  process_->signal(SIGTERM);
  if (!process_->wait(30s)) throw std::runtime_error("Redis did not stop");
}

void RedisServer::signal(int signo) { process_->signal(signo); }

std::string RedisServer::url() const {
  if (mode_ == Mode::kPlain) return "redis://127.0.0.1:" + std::to_string(port_);
  return "rediss://:" + password_ + "@127.0.0.1:" + std::to_string(port_);
}

fs::path RedisServer::ca_file() const { return dir_.path() / "ca.pem"; }

CreatedTenant create_tenant(const PostgresServer& pg, const std::string& slug,
                            const std::string& owner_email, const std::string& plan) {
  TempDir dir;
  ChildProcess ctl({(binary_dir() / "bin/tenantryctl").string(), "tenant", "create", "--slug", slug,
                    "--name", slug, "--owner-email", owner_email, "--plan", plan},
                   {{"SYSTEM_DATABASE_URL", pg.system_url()}}, dir.path() / "ctl.log");
  if (ctl.wait(std::chrono::seconds(30)) != 0)
    throw std::runtime_error("tenant create failed: " + ctl.log());
  std::smatch m;
  auto out = ctl.log();
  if (!std::regex_search(out, m, std::regex("tenant (\\S+)\\nowner (\\S+)\\npassword (\\S+)")))
    throw std::runtime_error("unexpected tenant create output: " + out);
  return {m[1], m[2], m[3]};
}

}  // namespace tenantry::testing
