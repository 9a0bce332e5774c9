// Sign-in as an attacker tries it, through the real server, PostgreSQL and
// Redis: spellings that other layers would fold onto an account (a NUL that
// libpq cuts, a character PostgreSQL's lower() folds), concurrent guesses,
// lockout from one address, and the tenant-existence oracle.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <boost/json.hpp>
#include <future>
#include <regex>

#include "support/api_process.h"
#include "support/http_client.h"

namespace tenantry::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kForm = "application/x-www-form-urlencoded";

class SignInAbuseTest : public ::testing::Test {
 protected:
  SignInAbuseTest() {
    pg_.migrate();
    auto acme = create_tenant(pg_, "acme", "Owner@Acme.example");
    password_ = acme.password;
    start_api({});
  }

  void start_api(std::map<std::string, std::string> env) {
    api_.reset();
    api_.emplace(pg_.url(), redis_.url(), std::move(env));
  }

  // `fields` is sent as written: the test spells the encoding itself.
  HttpResult post_form(const std::string& fields, const std::string& client = "192.0.2.1") {
    return http_request(api_->port(), "POST", "/v1/auth/token",
                        {{"Content-Type", kForm}, {"X-Forwarded-For", client}}, fields, 30s);
  }
  HttpResult sign_in(const std::string& username, const std::string& password,
                     const std::string& tenant = "acme", const std::string& client = "192.0.2.1") {
    return post_form("grant_type=password&tenant=" + tenant + "&username=" + username +
                         "&password=" + password,
                     client);
  }
  std::string right() const { return escape(password_); }
  static std::string escape(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
    return out;
  }
  // Locks owner@acme.example for client 192.0.2.1: five wrong passwords.
  void lock_owner() {
    for (int i = 0; i < 5; ++i)
      ASSERT_EQ(sign_in("owner%40acme.example", "wrong").status, 400) << i;
    ASSERT_EQ(sign_in("owner%40acme.example", right()).status, 429);
  }
  double metric(const std::string& series) {
    auto text = http_request(api_->admin_port(), "GET", "/metrics").body;
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return 0;
    return std::stod(text.substr(at + series.size() + 2));
  }
  double round_trips() {
    return metric("tenantry_db_query_duration_seconds_count{pool=\"primary\"}");
  }

  PostgresServer pg_;
  RedisServer redis_;
  std::optional<ApiProcess> api_;
  std::string password_;
};

TEST_F(SignInAbuseTest, ANulOrAFoldedCharacterNeverReachesALockedAccount) {
  lock_owner();
  const std::vector<std::pair<std::string, std::string>> spellings = {
      {"owner%40acme.example%00x", "acme"},
      {"owner%40acme.example%00", "acme"},
      {"owner%40acme.e%E2%84%AAample", "acme"},  // U+212A KELVIN SIGN for k
      {"owner%40acme.example%C4%B0", "acme"},    // U+0130 after the address
      {"owner%40acme.example", "acme%00"},
      {"owner%40acme.example", "acme%00x"},
      {"owner%40acme.example", "%E2%84%AAacme"},
  };
  for (const auto& [username, tenant] : spellings) {
    auto res = sign_in(username, right(), tenant);
    EXPECT_EQ(res.status, 400) << username << " / " << tenant << ": " << res.body;
    EXPECT_EQ(res.body, R"({"error":"invalid_request"})") << username << " / " << tenant;
  }
  // The account is still locked for this address, whatever was tried.
  EXPECT_EQ(sign_in("owner%40acme.example", right()).status, 429);
}

TEST_F(SignInAbuseTest, EverySpellingOfAnAccountSharesOneBudget) {
  for (auto spelling : {"OWNER%40ACME.EXAMPLE", "Owner%40Acme.Example", "owner%40acme.example",
                        "oWnEr%40AcMe.example", "owner%40ACME.example"}) {
    EXPECT_EQ(sign_in(spelling, "wrong", "ACME").status, 400) << spelling;
  }
  for (auto spelling : {"owner%40acme.example", "OWNER%40acme.example"}) {
    auto res = sign_in(spelling, right(), "acme");
    EXPECT_EQ(res.status, 429) << spelling;
    EXPECT_FALSE(res.header("retry-after").empty());
  }
}

TEST_F(SignInAbuseTest, ConcurrentGuessesAreCountedBeforeAnyPasswordIsChecked) {
  std::vector<std::future<int>> guesses;
  for (int i = 0; i < 16; ++i) {
    guesses.push_back(std::async(std::launch::async, [this] {
      return sign_in("owner%40acme.example", "guess").status;
    }));
  }
  int checked = 0, refused = 0;
  for (auto& g : guesses) {
    int status = g.get();
    checked += status == 400;
    refused += status == 429;
  }
  EXPECT_EQ(checked, 5) << "only the burst reaches the password check";
  EXPECT_EQ(refused, 11);
}

TEST_F(SignInAbuseTest, RightPasswordsAreRefundedAndOneAddressCannotLockOthersOut) {
  start_api({{"TENANTRY_SIGN_IN_ACCOUNT_BURST", "12"}});
  for (int i = 0; i < 8; ++i)
    ASSERT_EQ(sign_in("owner%40acme.example", right()).status, 200) << "refunded, " << i;
  lock_owner();  // 192.0.2.1 spent its 5
  // Another address still signs in: the account's own budget (12) is not spent.
  EXPECT_EQ(sign_in("owner%40acme.example", right(), "acme", "198.51.100.7").status, 200);
  // Spending the account's budget takes more addresses: 5 + 5 + 2 wrong.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(sign_in("owner%40acme.example", "wrong", "acme", "198.51.100.8").status, 400);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(sign_in("owner%40acme.example", "wrong", "acme", "198.51.100.9").status, 400);
  auto locked = sign_in("owner%40acme.example", right(), "acme", "203.0.113.1");
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_NE(locked.header("ratelimit").find("sign_in_account"), std::string::npos)
      << locked.header("ratelimit");
}

TEST_F(SignInAbuseTest, UnknownTenantUnknownUserAndWrongPasswordCostTheSameAndLookAlike) {
  struct Attempt {
    const char* what;
    std::string tenant, username;
  };
  std::vector<Attempt> attempts = {{"wrong password", "acme", "owner%40acme.example"},
                                   {"unknown user", "acme", "nobody%40acme.example"},
                                   {"unknown tenant", "nope", "owner%40acme.example"},
                                   {"another unknown slug", "zz", "owner%40acme.example"}};
  std::vector<double> trips;
  std::vector<std::string> bodies;
  for (const auto& a : attempts) {
    auto before = round_trips();
    auto res = sign_in(a.username, "wrong-password", a.tenant, "10.9.9." + std::to_string(trips.size()));
    trips.push_back(round_trips() - before);
    EXPECT_EQ(res.status, 400) << a.what;
    bodies.push_back(res.body);
  }
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    EXPECT_EQ(bodies[i], bodies[0]) << attempts[i].what;
    EXPECT_EQ(trips[i], trips[0]) << attempts[i].what << " costs other round trips";
  }
  EXPECT_EQ(trips[0], 2) << "one lookup, one audit";
  EXPECT_EQ(bodies[0], R"({"error":"invalid_grant"})");
  // Bytes that are not UTF-8: the same answer with or without the tenant.
  auto known = sign_in("%FF", "x", "acme");
  auto unknown = sign_in("%FF", "x", "nope");
  EXPECT_EQ(known.status, 400);
  EXPECT_EQ(known.body, R"({"error":"invalid_request"})");
  EXPECT_EQ(unknown.status, known.status);
  EXPECT_EQ(unknown.body, known.body);
}

TEST_F(SignInAbuseTest, AFullHashingQueueAnswers503WithRetryAfter) {
  start_api({{"TENANTRY_PASSWORD_HASH_THREADS", "1"}, {"TENANTRY_PASSWORD_HASH_MAX_PENDING", "1"}});
  std::vector<std::future<HttpResult>> sign_ins;
  for (int i = 0; i < 6; ++i) {
    sign_ins.push_back(std::async(std::launch::async, [this, i] {
      return sign_in("owner%40acme.example", right(), "acme", "10.2.0." + std::to_string(i));
    }));
  }
  int ok = 0, busy = 0;
  for (auto& s : sign_ins) {
    auto res = s.get();
    if (res.status == 200) ++ok;
    if (res.status == 503) {
      ++busy;
      EXPECT_EQ(res.header("retry-after"), "1");
      EXPECT_EQ(res.header("content-type"), "application/problem+json");
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(busy, 1) << "six at once cannot all fit in a queue of one";
  EXPECT_EQ(ok + busy, 6);
  EXPECT_EQ(metric("tenantry_password_hashes_refused_total"), busy);
}

TEST_F(SignInAbuseTest, RequestThreadsKeepAnsweringDuringABurstOfSignIns) {
  start_api({{"TENANTRY_THREADS", "1"}, {"TENANTRY_PASSWORD_HASH_THREADS", "1"}});
  std::atomic<bool> burst_over{false};
  std::vector<std::future<int>> sign_ins;
  for (int i = 0; i < 6; ++i) {
    sign_ins.push_back(std::async(std::launch::async, [this, i] {
      return sign_in("owner%40acme.example", right(), "acme", "10.1.0." + std::to_string(i)).status;
    }));
  }
  auto watcher = std::async(std::launch::async, [&] {
    int answered = 0;
    while (!burst_over) answered += http_request(api_->port(), "GET", "/livez", {}, {}, 5s).status == 200;
    return answered;
  });
  for (auto& s : sign_ins) EXPECT_EQ(s.get(), 200);
  burst_over = true;
  // Six argon2id verifications run one after another on the hashing thread
  // (hundreds of ms); the one request thread answers /livez meanwhile. Were
  // the hashes on that thread, it could answer about one per hash.
  EXPECT_GT(watcher.get(), 30);
}

}  // namespace
}  // namespace tenantry::testing
