// PostgreSQL as scripts/pg sets it up (for the local cluster and for these
// tests alike): every role, the superuser included, needs its password
// (scram-sha-256); nothing is trusted for coming from loopback.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/stat.h>

#include <fstream>

#include "support/services.h"

namespace tenantry::testing {
namespace {

namespace fs = std::filesystem;

// Connects with `conninfo`; returns "" on success, else libpq's error.
std::string connect_error(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string error = PQstatus(conn) == CONNECTION_OK ? "" : PQerrorMessage(conn);
  PQfinish(conn);
  return error;
}

class PgAuthTest : public ::testing::Test {
 protected:
  // `role`'s URL with `passfile` in place of its own password file.
  std::string url_with(const std::string& role, const fs::path& passfile) const {
    return "postgresql://" + role + "@127.0.0.1:" + std::to_string(pg_.port()) +
           "/tenantry?passfile=" + passfile.string();
  }
  // A password file (mode 0600, as libpq wants) holding `password` for every role.
  fs::path passfile(const std::string& name, const std::string& password) const {
    auto path = dir_.path() / name;
    std::ofstream(path) << (password.empty() ? "" : "*:*:*:*:" + password + "\n");
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    return path;
  }

  TempDir dir_;
  PostgresServer pg_;
};

TEST_F(PgAuthTest, EveryRoleIsRefusedWithoutItsPassword) {
  auto none = passfile("empty.pgpass", "");
  auto wrong = passfile("wrong.pgpass", "not-the-password");
  for (std::string role :
       {"postgres", "tenantry_system", "tenantry_owner", "tenantry_app", "tenantry_platform"}) {
    auto error = connect_error(url_with(role, none));
    EXPECT_NE(error.find("no password supplied"), std::string::npos) << role << ": " << error;
    error = connect_error(url_with(role, wrong));
    EXPECT_NE(error.find("password authentication failed"), std::string::npos)
        << role << ": " << error;
  }
}

TEST_F(PgAuthTest, EachRolesUrlConnectsWithItsPasswordFile) {
  for (const auto& url : {pg_.url(), pg_.owner_url(), pg_.system_url(), pg_.platform_url(),
                          pg_.superuser_url()}) {
    EXPECT_EQ(connect_error(url), "") << url;
  }
}

TEST_F(PgAuthTest, PasswordFilesAreReadableByTheirOwnerOnly) {
  for (std::string role :
       {"postgres", "tenantry_system", "tenantry_owner", "tenantry_app", "tenantry_platform"}) {
    auto path = pg_.secrets_dir() / (role + ".pgpass");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << path;
  }
  struct stat st {};
  ASSERT_EQ(::stat(pg_.secrets_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(PgAuthTest, TheServerLogHoldsNoPassword) {
  EXPECT_EQ(connect_error(pg_.system_url()), "");
  auto log = pg_.log();
  for (std::string role :
       {"postgres", "tenantry_system", "tenantry_owner", "tenantry_app", "tenantry_platform"}) {
    std::ifstream in(pg_.secrets_dir() / (role + ".pgpass"));
    std::string line;
    std::getline(in, line);
    auto password = line.substr(line.rfind(':') + 1);
    ASSERT_GE(password.size(), 32u);
    EXPECT_EQ(log.find(password), std::string::npos) << role << "'s password is in the server log";
  }
}

}  // namespace
}  // namespace tenantry::testing
