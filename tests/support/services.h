// Real services for tests: PostgreSQL and Redis started from scratch in a
// temporary directory on a free port (through scripts/pg and scripts/redis,
// as ./tenantry starts them), and child processes such as tenantry-api.
// A service that cannot start throws: the test fails, it never skips.
// TLS certificates are made at test time, never committed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tenantry::testing {

std::filesystem::path source_dir();
std::filesystem::path binary_dir();

// A free TCP port on 127.0.0.1 (bound then released).
unsigned short free_port();

// How many times `what` occurs in `text` (counting log lines in tests).
std::size_t count_occurrences(const std::string& text, const std::string& what);

// Polls `condition` until it holds or `timeout` passes; returns the last result.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(50));

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class ChildProcess {
 public:
  // Starts argv[0] with `env` added to the current environment, less its
  // variables with a project prefix (base::kProjectPrefixes); stdout and
  // stderr go to `log_file`. Sanitizer reports go to `log_file`.sanitizer.<pid>
  // (ASAN_OPTIONS and UBSAN_OPTIONS get log_path appended), and any there is
  // a test failure once the child has exited (seen by running() or wait())
  // or at destruction.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env,
               std::filesystem::path log_file);
  ~ChildProcess();  // SIGKILL if still running, then the sanitizer check
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int signo);
  // Exit code (128+signal when killed), or nullopt if still running after timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string log() const;
  std::filesystem::path sanitizer_prefix() const;

 private:
  void check_sanitizer_reports();

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_file_;
  bool reports_checked_ = false;
};

class PostgresServer {
 public:
  // initdb, start, then scripts/pg bootstrap (roles tenantry_owner,
  // tenantry_app and tenantry_system, database tenantry). The schema is not migrated.
  // Every role needs its password (scram-sha-256): each URL below names the
  // role's password file (passfile=), made by scripts/pg in the server's
  // temporary directory.
  PostgresServer();
  void start();  // restart after stop(), same data and port
  void stop();   // fast shutdown, waits for exit
  unsigned short port() const { return port_; }
  std::string url() const;         // database "tenantry" as the application role
  std::string owner_url() const;   // database "tenantry" as the schema owner (migrations)
  std::string system_url() const;  // database "tenantry" as tenantry_system (BYPASSRLS)
  // database "tenantry" as tenantry_platform (writes tenants; the operator routes)
  std::string platform_url() const;
  std::string superuser_url(const std::string& database = "tenantry") const;  // as postgres
  // The directory of the roles' password files (<role>.pgpass).
  std::filesystem::path secrets_dir() const { return dir_.path() / "secrets"; }
  // Runs tenantry-migrate up with the repository's migrations; throws on failure.
  void migrate() const;
  std::string log() const;  // the server's log (connections are logged)

 private:
  TempDir dir_;
  unsigned short port_;
  std::optional<ChildProcess> process_;
};

// Makes a throwaway CA in `dir` with the openssl CLI (ca.pem, ca.key) and
// returns its certificate; throws if openssl fails.
std::filesystem::path make_test_ca(const std::filesystem::path& dir);

class RedisServer {
 public:
  enum class Mode {
    kPlain,  // redis://, no password, through scripts/redis
    // rediss:// only, with a password: a certificate for 127.0.0.1 signed by
    // a throwaway CA (ca_file()), made in the server's temporary directory.
    kTls,
  };
  explicit RedisServer(Mode mode = Mode::kPlain);
  void start();  // restart after stop(), same port (and certificate)
  void stop();
  void signal(int signo);  // SIGSTOP: a Redis that stops answering
  unsigned short port() const { return port_; }
  std::string url() const;                // with the password, if any
  std::filesystem::path ca_file() const;  // kTls: the CA that signed Redis's certificate

 private:
  TempDir dir_;
  Mode mode_;
  unsigned short port_;
  std::string password_;
  std::optional<ChildProcess> process_;
};

// A tenant and its owner, made as an operator would: `tenantryctl tenant
// create` as tenantry_system. `password` is the one-time password it
// printed. Throws with tenantryctl's output when it fails.
struct CreatedTenant {
  std::string id, owner, password;
};
CreatedTenant create_tenant(const PostgresServer& pg, const std::string& slug,
                            const std::string& owner_email, const std::string& plan = "free");

}  // namespace tenantry::testing
