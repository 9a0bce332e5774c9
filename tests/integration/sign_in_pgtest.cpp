// Sign-in through the real server and a real PostgreSQL: a tenant made by
// `tenantryctl tenant create`, the password grant (argon2id), refresh-token
// rotation with reuse detection, revocation, and failures that all look and
// take alike.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <boost/json.hpp>

#include "support/api_process.h"
#include "support/http_client.h"

namespace tenantry::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string form_escape(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

class SignInTest : public ::testing::Test {
 protected:
  SignInTest() {
    pg_.migrate();
    auto acme = create_tenant(pg_, "acme", "Owner@Acme.example");
    tenant_ = acme.id;
    owner_ = acme.owner;
    password_ = acme.password;
  }

  HttpResult post(const std::string& path, const std::map<std::string, std::string>& fields) {
    std::string body;
    for (const auto& [name, value] : fields)
      body += (body.empty() ? "" : "&") + name + "=" + form_escape(value);
    return http_request(api_.port(), "POST", path,
                        {{"Content-Type", "application/x-www-form-urlencoded"}}, body, 10s);
  }
  HttpResult sign_in(const std::string& password, const std::string& email = "owner@acme.example",
                     const std::string& slug = "acme") {
    return post("/v1/auth/token", {{"grant_type", "password"},
                                   {"tenant", slug},
                                   {"username", email},
                                   {"password", password}});
  }
  HttpResult refresh(const std::string& token) {
    return post("/v1/auth/token", {{"grant_type", "refresh_token"}, {"refresh_token", token}});
  }
  static std::string field(const HttpResult& res, const char* name) {
    return std::string(json::parse(res.body).as_object().at(name).as_string());
  }
  static void expect_invalid_grant(const HttpResult& res, const std::string& what) {
    EXPECT_EQ(res.status, 400) << what << ": " << res.body;
    EXPECT_EQ(res.body, R"({"error":"invalid_grant"})") << what;
    EXPECT_EQ(res.header("cache-control"), "no-store") << what;
  }
  std::string sql(const std::string& query) {
    PGconn* conn = PQconnectdb(pg_.system_url().c_str());
    PGresult* res = PQexec(conn, query.c_str());
    std::string out = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
                          ? PQgetvalue(res, 0, 0)
                          : std::string("error: ") + PQerrorMessage(conn);
    PQclear(res);
    PQfinish(conn);
    return out;
  }
  double metric(const std::string& series) {
    auto text = http_request(api_.admin_port(), "GET", "/metrics").body;
    auto at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
  }
  int audit_count(const std::string& action) {
    auto url = pg_.system_url();
    PGconn* conn = PQconnectdb(url.c_str());
    std::string sql = "SELECT count(*) FROM audit_log WHERE action = '" + action + "'";
    PGresult* res = PQexec(conn, sql.c_str());
    int count = PQresultStatus(res) == PGRES_TUPLES_OK ? std::stoi(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    PQfinish(conn);
    return count;
  }

  PostgresServer pg_;
  RedisServer redis_;
  ApiProcess api_{pg_.url(), redis_.url()};
  std::string tenant_, owner_, password_;
};

TEST_F(SignInTest, ThePasswordGrantGivesTokensForTheTenant) {
  auto res = sign_in(password_, "OWNER@acme.example");  // emails match without case
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("cache-control"), "no-store");
  auto body = json::parse(res.body).as_object();
  EXPECT_EQ(body.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(body.at("expires_in").as_int64(), 900);
  auto me = http_request(api_.port(), "GET", "/v1/me",
                         {{"Authorization", "Bearer " + field(res, "access_token")}});
  ASSERT_EQ(me.status, 200) << me.body;
  auto who = json::parse(me.body).as_object();
  EXPECT_EQ(who.at("tenant_id").as_string(), tenant_);
  EXPECT_EQ(who.at("subject").as_string(), owner_);
  EXPECT_EQ(who.at("roles").as_array(), json::array{"owner"});
  EXPECT_EQ(audit_count("sign_in"), 1);
}

TEST_F(SignInTest, EveryFailedSignInLooksAndTakesAlike) {
  auto timed = [&](auto&& call) {
    auto start = Clock::now();
    auto res = call();
    return std::pair{res, Clock::now() - start};
  };
  auto [wrong, wrong_time] = timed([&] { return sign_in(password_ + "x"); });
  auto [unknown_user, unknown_user_time] =
      timed([&] { return sign_in(password_, "nobody@acme.example"); });
  auto [unknown_tenant, unknown_tenant_time] =
      timed([&] { return sign_in(password_, "owner@acme.example", "nope"); });
  expect_invalid_grant(wrong, "wrong password");
  // If the server died, its log says why.
  if (unknown_user.status == 0) ADD_FAILURE() << api_.process().log().substr(0, 6000);
  expect_invalid_grant(unknown_user, "unknown user");
  expect_invalid_grant(unknown_tenant, "unknown tenant");
  // Each runs one argon2id verification: an unknown user is not answered
  // measurably sooner than a wrong password.
  EXPECT_GT(unknown_user_time, wrong_time / 2);
  EXPECT_GT(unknown_tenant_time, wrong_time / 2);
  EXPECT_EQ(audit_count("sign_in_failed"), 2);  // the tenant exists for two of them
  auto metrics = http_request(api_.admin_port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("tenantry_auth_sign_in_failures_total{grant=\"password\"} 3"),
            std::string::npos);
  auto bad = post("/v1/auth/token", {{"grant_type", "password"}, {"tenant", "acme"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"({"error":"invalid_request"})");
  auto unsupported = post("/v1/auth/token", {{"grant_type", "implicit"}});
  EXPECT_EQ(unsupported.body, R"({"error":"unsupported_grant_type"})");
}

TEST_F(SignInTest, ReusingARotatedRefreshTokenRevokesTheFamily) {
  auto first = sign_in(password_);
  ASSERT_EQ(first.status, 200) << first.body;
  auto r1 = field(first, "refresh_token");
  auto second = refresh(r1);
  ASSERT_EQ(second.status, 200) << second.body;
  auto r2 = field(second, "refresh_token");
  EXPECT_NE(r1, r2);
  EXPECT_EQ(http_request(api_.port(), "GET", "/v1/me",
                         {{"Authorization", "Bearer " + field(second, "access_token")}})
                .status,
            200);

  expect_invalid_grant(refresh(r1), "the rotated token used again");
  expect_invalid_grant(refresh(r2), "the newest token of a revoked family");
  EXPECT_EQ(audit_count("refresh_token_reused"), 1);
  expect_invalid_grant(refresh("rt1." + tenant_ + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                       "an unknown token");
  expect_invalid_grant(refresh("not-a-refresh-token"), "garbage");
}

TEST_F(SignInTest, ARefreshFamilyEndsAtItsSignInsLifetimeNotOneThatSlides) {
  auto first = sign_in(password_);
  ASSERT_EQ(first.status, 200) << first.body;
  auto second = refresh(field(first, "refresh_token"));
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(refresh(field(second, "refresh_token")).status, 200);
  // Three tokens of one family, one expiry: the sign-in's.
  EXPECT_EQ(sql("SELECT count(*) || '/' || count(DISTINCT expires_at) FROM refresh_tokens"),
            "3/1");
}

TEST_F(SignInTest, DemotingOrDeactivatingAUserEndsTheirRefreshTokens) {
  auto owner = sign_in(password_);
  ASSERT_EQ(owner.status, 200) << owner.body;
  std::vector<std::pair<std::string, std::string>> auth{
      {"Authorization", "Bearer " + field(owner, "access_token")},
      {"Content-Type", "application/json"}};
  auto make = [&](const std::string& email) {
    auto created = http_request(api_.port(), "POST", "/v1/users", auth,
                                R"({"email":")" + email +
                                    R"(","role":"admin","password":"a long enough password"})");
    EXPECT_EQ(created.status, 201) << created.body;
    auto tokens = sign_in("a long enough password", email);
    EXPECT_EQ(tokens.status, 200) << tokens.body;
    return std::pair{field(created, "id"), field(tokens, "refresh_token")};
  };
  auto [demoted, demoted_token] = make("demoted@acme.example");
  auto [gone, gone_token] = make("gone@acme.example");
  auto [kept, kept_token] = make("kept@acme.example");
  EXPECT_EQ(http_request(api_.port(), "PATCH", "/v1/users/" + demoted, auth,
                         R"({"role":"viewer"})")
                .status,
            200);
  EXPECT_EQ(http_request(api_.port(), "DELETE", "/v1/users/" + gone, auth).status, 204);
  EXPECT_EQ(http_request(api_.port(), "PATCH", "/v1/users/" + kept, auth, R"({"role":"owner"})")
                .status,
            200);
  expect_invalid_grant(refresh(demoted_token), "a demoted user's token");
  expect_invalid_grant(refresh(gone_token), "a deactivated user's token");
  EXPECT_EQ(refresh(kept_token).status, 200) << "a promotion ends nothing";
}

TEST_F(SignInTest, NewMembersAreCheckedCheaplyBeforeTheirPasswordIsHashed) {
  auto owner = sign_in(password_);
  ASSERT_EQ(owner.status, 200) << owner.body;
  std::vector<std::pair<std::string, std::string>> auth{
      {"Authorization", "Bearer " + field(owner, "access_token")},
      {"Content-Type", "application/json"}};
  auto hashes = [&] { return metric("tenantry_password_hashes_total"); };
  auto before = hashes();
  auto taken = http_request(api_.port(), "POST", "/v1/users", auth,
                            R"({"email":"OWNER@acme.EXAMPLE","role":"member","password":"another long password"})");
  EXPECT_EQ(taken.status, 409) << taken.body;
  auto folded = http_request(api_.port(), "POST", "/v1/users", auth,
                             R"({"email":"owner@acme.e\u212Aample","role":"member","password":"another long password"})");
  EXPECT_EQ(folded.status, 400) << folded.body;
  EXPECT_NE(folded.body.find("email"), std::string::npos) << folded.body;
  EXPECT_EQ(hashes(), before) << "nothing was hashed for a refused member";
  auto created = http_request(api_.port(), "POST", "/v1/users", auth,
                              R"({"email":"New@Acme.example","role":"member","password":"another long password"})");
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(hashes(), before + 1);
  EXPECT_EQ(sql("SELECT email || ' ' || email_canonical FROM users WHERE email_canonical LIKE 'new@%'"),
            "New@Acme.example new@acme.example");
}

TEST_F(SignInTest, RevokingARefreshTokenEndsItsFamily) {
  auto first = sign_in(password_);
  ASSERT_EQ(first.status, 200) << first.body;
  auto token = field(first, "refresh_token");
  EXPECT_EQ(post("/v1/auth/revoke", {{"token", token}}).status, 200);
  expect_invalid_grant(refresh(token), "a revoked token");
  EXPECT_EQ(post("/v1/auth/revoke", {{"token", "unknown"}}).status, 200);  // RFC 7009
}

TEST_F(SignInTest, ServiceAccountsUseClientCredentials) {
  auto owner = sign_in(password_);
  ASSERT_EQ(owner.status, 200) << owner.body;
  std::vector<std::pair<std::string, std::string>> auth{
      {"Authorization", "Bearer " + field(owner, "access_token")},
      {"Content-Type", "application/json"}};
  auto created = http_request(api_.port(), "POST", "/v1/service-accounts", auth,
                              R"({"name":"ci","role":"member"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto client_id = field(created, "client_id"), secret = field(created, "client_secret");
  auto listed = http_request(api_.port(), "GET", "/v1/service-accounts", auth);
  EXPECT_EQ(listed.body.find(secret), std::string::npos) << "the secret is shown only once";

  auto grant = post(
      "/v1/auth/token",
      {{"grant_type", "client_credentials"}, {"client_id", client_id}, {"client_secret", secret}});
  ASSERT_EQ(grant.status, 200) << grant.body;
  EXPECT_EQ(json::parse(grant.body).as_object().count("refresh_token"), 0u);
  auto me = http_request(api_.port(), "GET", "/v1/me",
                         {{"Authorization", "Bearer " + field(grant, "access_token")}});
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(json::parse(me.body).as_object().at("roles").as_array(), json::array{"member"});
  EXPECT_EQ(json::parse(me.body).as_object().at("subject").as_string(), field(created, "id"));

  auto wrong = post("/v1/auth/token", {{"grant_type", "client_credentials"},
                                       {"client_id", client_id},
                                       {"client_secret", secret + "x"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, R"({"error":"invalid_client"})");
  EXPECT_EQ(
      http_request(api_.port(), "DELETE", "/v1/service-accounts/" + field(created, "id"), auth)
          .status,
      204);
  auto disabled = post(
      "/v1/auth/token",
      {{"grant_type", "client_credentials"}, {"client_id", client_id}, {"client_secret", secret}});
  EXPECT_EQ(disabled.status, 401) << "a disabled account gets no token";
}

TEST_F(SignInTest, AnOperatorMayGiveTheOwnersPasswordOnStandardInput) {
  TempDir dir;
  auto ctl = (binary_dir() / "bin/tenantryctl").string();
  ChildProcess create({"/bin/sh", "-c",
                       "printf 'chosen by the operator\\n' | " + ctl +
                           " tenant create --slug beta --name Beta --owner-email o@beta.example "
                           "--password-stdin"},
                      {{"SYSTEM_DATABASE_URL", pg_.system_url()}}, dir.path() / "create.log");
  ASSERT_EQ(create.wait(30s), 0) << create.log();
  EXPECT_EQ(create.log().find("password"), std::string::npos) << create.log();
  EXPECT_EQ(sign_in("chosen by the operator", "o@beta.example", "beta").status, 200);

  ChildProcess short_one({"/bin/sh", "-c",
                          "printf 'short\\n' | " + ctl +
                              " tenant create --slug gamma --name G --owner-email o@g.example "
                              "--password-stdin"},
                         {{"SYSTEM_DATABASE_URL", pg_.system_url()}}, dir.path() / "short.log");
  EXPECT_EQ(short_one.wait(30s), 2);
  EXPECT_EQ(short_one.log(),
            "tenantryctl: --password-stdin: the password must have 12 to 1024 characters\n");
}

}  // namespace
}  // namespace tenantry::testing
