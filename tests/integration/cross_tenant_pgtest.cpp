// The cross-tenant matrix: every role of tenant B (owner, admin, member,
// viewer, and a service account signed in with client_credentials) against
// tenant A, on every route of the real server. The route table comes from
// the server itself (the admin listener's GET /routes): a route that this
// matrix does not cover, or whose role rule differs from the one written
// here, fails the test until the matrix is updated.
//
// Exact answers: a route the caller's role may call answers 404 for A's ids
// (never 403: that would confirm the id exists) and succeeds, with the same
// request, on B's own id (so the 404 is not a validation error); a route
// the role may not call answers 403 for A's id and B's alike. Lists, and
// every other answer, hold none of A's ids. Writes without an id (and the
// anonymous sign-in routes) are tried with A's ids and secrets in them.
// Every row that is not B's is read before and after the whole matrix, as
// the PostgreSQL superuser, and must not have changed.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include "support/api_process.h"
#include "support/http_client.h"
#include "support/pg_session.h"

namespace tenantry::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

struct Tenant {
  std::string id, owner, password;
};

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += name + '=';
    for (unsigned char c : value) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  return out;
}

// A response for a failure message, its secrets (client_secret,
// access_token, refresh_token) redacted.
std::string shown(const HttpResult& res) {
  static const std::regex secret("\"(client_secret|access_token|refresh_token)\":\"[^\"]*\"");
  return std::to_string(res.status) + " " +
         std::regex_replace(res.body, secret, "\"$1\":\"(redacted)\"");
}

std::string field(const HttpResult& res, const std::string& name) {
  auto value = json::parse(res.body);
  const auto* found = value.as_object().if_contains(name);
  if (!found || !found->is_string())
    throw std::runtime_error("no \"" + name + "\" in " + shown(res));
  return std::string(found->as_string());
}

// Every row that is not `tenant`'s, read as the superuser (Row-Level
// Security does not filter it): the tenant tables of the catalog without
// `tenant`'s rows, every other table of schema public whole. Each row as
// JSON with its secrets' hashes redacted (a failure prints rows), followed
// by the md5 of the whole row (so a change to a redacted column shows too).
using Snapshot = std::map<std::string, std::vector<std::string>>;
Snapshot rows_not_of(const PostgresServer& pg, const std::string& tenant) {
  PgSession super(pg.superuser_url());
  std::map<std::string, std::string> tenant_column;
  for (const auto& t : tenant_tables(super)) tenant_column[t.name] = t.tenant_column;
  Snapshot snapshot;
  auto tables = super.run(
      "SELECT c.relname, quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = "
      "c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1");
  if (!tables.ok) throw std::runtime_error(tables.message);
  for (const auto& table : tables.rows) {
    const auto& name = *table[0];
    std::string sql =
        "SELECT (SELECT jsonb_object_agg(key, CASE WHEN key ~ '(hash|secret|password)' "
        "THEN to_jsonb('redacted'::text) ELSE value END) FROM jsonb_each(to_jsonb(t)))::text "
        "|| ' md5:' || md5(t::text) FROM " +
        *table[1] + " t";
    std::vector<std::string> params;
    if (tenant_column.count(name)) {
      sql += " WHERE " + tenant_column[name] + " IS DISTINCT FROM $1::uuid";
      params.push_back(tenant);
    }
    auto rows = super.column(sql + " ORDER BY 1", params);
    snapshot[name] = std::move(rows);
  }
  return snapshot;
}

void expect_same(const Snapshot& before, const Snapshot& after) {
  for (const auto& [table, rows] : before) {
    auto found = after.find(table);
    if (found == after.end()) {
      ADD_FAILURE() << table << " is gone";
      continue;
    }
    std::string gone, added;
    for (const auto& row : rows)
      if (!std::binary_search(found->second.begin(), found->second.end(), row))
        gone += "\n  - " + row;
    for (const auto& row : found->second)
      if (!std::binary_search(rows.begin(), rows.end(), row)) added += "\n  + " + row;
    EXPECT_TRUE(gone.empty() && added.empty())
        << table << ": rows not of tenant B changed during the matrix" << gone << added;
  }
  EXPECT_EQ(before.size(), after.size()) << "a table appeared";
}

class CrossTenantTest : public ::testing::Test {
 protected:
  CrossTenantTest() {
    pg_.migrate();
    // Both tenants on the enterprise plan, and the API with raised address
    // and sign-in limits (api_ below): the matrix sends a few hundred
    // requests from one address, and is about who sees what, not about
    // limits (tenant_limits_pgtest and sign_in_abuse_pgtest are).
    a_ = create("tenant-a", "owner@a.example");
    b_ = create("tenant-b", "owner@b.example");
  }

  Tenant create(const std::string& slug, const std::string& email) {
    auto made = create_tenant(pg_, slug, email, "enterprise");
    return {made.id, made.owner, made.password};
  }
  std::string token_for(const Tenant& tenant, const std::string& subject, const std::string& role) {
    auto claims = TestKeys::claims();
    claims["tid"] = tenant.id;
    claims["sub"] = subject;
    claims["roles"] = {role};
    return api_.keys().token(claims);
  }
  std::string owner_token(const Tenant& tenant) { return token_for(tenant, tenant.owner, "owner"); }
  HttpResult call(const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return http_request(api_.port(), method, path, headers, body);
  }
  // The token endpoints take forms; `token` (ignored by these anonymous
  // routes) shows that a caller's bearer token changes nothing.
  HttpResult form(const std::string& path, const std::string& token,
                  const std::vector<std::pair<std::string, std::string>>& fields) {
    std::vector<std::pair<std::string, std::string>> headers{
        {"Content-Type", "application/x-www-form-urlencoded"}};
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return http_request(api_.port(), "POST", path, headers, form_encode(fields));
  }
  // The id of what a 201 created; throws (failing the test) otherwise.
  std::string created(const HttpResult& res) {
    if (res.status != 201) throw std::runtime_error("expected 201: " + shown(res));
    return field(res, "id");
  }
  HttpResult sign_in(const std::string& slug, const std::string& email, const std::string& password,
                     const std::string& token = "") {
    return form("/v1/auth/token", token,
                {{"grant_type", "password"},
                 {"tenant", slug},
                 {"username", email},
                 {"password", password}});
  }

  PostgresServer pg_;
  RedisServer redis_;
  ApiProcess api_{
      pg_.url(),
      redis_.url(),
      {{"TENANTRY_RATE_LIMIT_IP_BURST", "100000"}, {"TENANTRY_SIGN_IN_FAILURE_BURST", "1000"}}};
  Tenant a_, b_;
};

// A caller of tenant B.
struct Caller {
  std::string name;  // also in the names of what it creates
  std::string subject;
  std::vector<std::string> roles;
  std::string token;
};

// What the matrix knows of one route: who may call it (GET /routes must
// say the same) and how to check it for one caller; `allowed` says whether
// the caller's role passes the route's rule.
struct RouteCheck {
  bool anonymous = false;
  std::vector<std::string> roles;  // empty: any authenticated caller
  std::function<void(const Caller&, const std::string& method, const std::string& pattern,
                     bool allowed)>
      check;
};

const std::vector<std::string> kManagers = {"owner", "admin"};
const std::vector<std::string> kOperators = {"platform-admin"};
constexpr const char* kPassword = "a long password";

TEST_F(CrossTenantTest, TenantBNeverReachesTenantAsResources) {
  // Tenant A: a member, a service account, a signed-in owner (a refresh
  // token), and, seeded as the system role, rows of the tables no route
  // writes yet.
  auto token_a = owner_token(a_);
  auto member_a = created(call("POST", "/v1/users", token_a,
                               R"({"email":"member@a.example","role":"member","password":")" +
                                   std::string(kPassword) + R"("})"));
  auto account = call("POST", "/v1/service-accounts", token_a, R"({"name":"ci","role":"member"})");
  auto account_a = created(account);
  auto account_a_secret = field(account, "client_secret");
  auto signed_in_a = sign_in("tenant-a", "owner@a.example", a_.password);
  ASSERT_EQ(signed_in_a.status, 200) << shown(signed_in_a);
  auto refresh_a = field(signed_in_a, "refresh_token");
  {
    PgSession system(pg_.system_url());
    for (const char* sql :
         {"INSERT INTO projects (tenant_id, id, name) VALUES ($1, gen_random_uuid(), 'p')",
          "INSERT INTO tasks (tenant_id, id, project_id, title) "
          "SELECT tenant_id, gen_random_uuid(), id, 't' FROM projects WHERE tenant_id = $1",
          "INSERT INTO outbox (tenant_id, queue, kind, payload) VALUES ($1, 'default', 'k', "
          "'{}')",
          "INSERT INTO idempotency_keys (tenant_id, key, request_hash, expires_at) "
          "VALUES ($1, 'k', 'h', now() + interval '1 day')"})
      ASSERT_EQ(system.error_of(sql, {a_.id}), "") << sql;
  }

  // Tenant B: a caller of each role, and resources of its own on which the
  // same requests succeed.
  auto token_b = owner_token(b_);
  auto user_b = [&](const std::string& email, const std::string& role) {
    return created(call("POST", "/v1/users", token_b,
                        R"({"email":")" + email + R"(","role":")" + role + R"(","password":")" +
                            kPassword + R"("})"));
  };
  std::vector<Caller> callers{{"owner", b_.owner, {"owner"}, token_b}};
  for (std::string role : {"admin", "member", "viewer"}) {
    auto id = user_b(role + "@b.example", role);
    callers.push_back({role, id, {role}, token_for(b_, id, role)});
  }
  auto robot = call("POST", "/v1/service-accounts", token_b, R"({"name":"robot","role":"admin"})");
  auto robot_id = created(robot);
  auto robot_client = field(robot, "client_id"), robot_secret = field(robot, "client_secret");
  auto robot_token = form("/v1/auth/token", "",
                          {{"grant_type", "client_credentials"},
                           {"client_id", robot_client},
                           {"client_secret", robot_secret}});
  ASSERT_EQ(robot_token.status, 200) << shown(robot_token);
  callers.push_back({"service-account", robot_id, {"admin"}, field(robot_token, "access_token")});
  auto target_b = user_b("target@b.example", "member");
  auto victim_b = user_b("victim@b.example", "member");
  auto victim_account_b = created(
      call("POST", "/v1/service-accounts", token_b, R"({"name":"victim","role":"viewer"})"));

  // Before: every row not of B, A's in every tenant table.
  auto before = rows_not_of(pg_, b_.id);
  {
    PgSession super(pg_.superuser_url());
    for (const auto& t : tenant_tables(super))
      EXPECT_NE(super.column("SELECT count(*) FROM " + t.quoted + " WHERE " + t.tenant_column +
                                 " = $1::uuid",
                             {a_.id})[0],
                "0")
          << t.name << " has no row of tenant A: seed one above, or its isolation goes unchecked";
  }
  // A's ids: every UUID in those rows (tenant, users, accounts, projects,
  // tasks, refresh-token families...).
  std::set<std::string> a_ids;
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  for (const auto& [table, rows] : before)
    for (const auto& row : rows)
      for (std::sregex_iterator m(row.begin(), row.end(), uuid), end; m != end; ++m)
        a_ids.insert(m->str());
  ASSERT_GE(a_ids.size(), 8u);
  auto shows_no_a_id = [&](const HttpResult& res) {
    for (const auto& id : a_ids) {
      EXPECT_EQ(res.body.find(id), std::string::npos) << "shows " << id << ": " << shown(res);
      for (const auto& [name, value] : res.headers)
        EXPECT_EQ(value.find(id), std::string::npos) << name << " shows " << id;
    }
  };

  // A route with an {id}: A's ids, then B's own, with the same request.
  auto by_id = [&](std::vector<std::string> roles, std::vector<std::string> ids_of_a,
                   std::string own, std::string body, int success) {
    return RouteCheck{false, roles,
                      [&, ids_of_a, own, body, success](const Caller& c, const std::string& method,
                                                        const std::string& pattern, bool allowed) {
                        auto at = [&](const std::string& id) {
                          return std::regex_replace(pattern, std::regex("\\{[^}]+\\}"), id);
                        };
                        for (const auto& id : ids_of_a) {
                          auto res = call(method, at(id), c.token, body);
                          EXPECT_EQ(res.status, allowed ? 404 : 403)
                              << "A's " << at(id) << ": " << shown(res);
                        }
                        auto res = call(method, at(own), c.token, body);
                        EXPECT_EQ(res.status, allowed ? success : 403)
                            << "B's own " << at(own) << ": " << shown(res);
                        shows_no_a_id(res);
                      }};
  };
  // A list: B's own `own_id` in it, none of A's ids.
  auto list = [&](std::vector<std::string> roles, std::string own_id) {
    return RouteCheck{false, roles,
                      [&, own_id](const Caller& c, const std::string& method,
                                  const std::string& pattern, bool allowed) {
                        auto res = call(method, pattern, c.token);
                        EXPECT_EQ(res.status, allowed ? 200 : 403) << shown(res);
                        if (allowed) {
                          EXPECT_NE(res.body.find(own_id), std::string::npos) << shown(res);
                        }
                        shows_no_a_id(res);
                      }};
  };
  // A route whose answer is the same for everyone: 200, none of A's ids.
  auto plain = [&](bool anonymous, std::string query = "") {
    return RouteCheck{
        anonymous,
        {},
        [&, query](const Caller& c, const std::string& method, const std::string& pattern, bool) {
          auto res = call(method, pattern + query, c.token);
          EXPECT_EQ(res.status, 200) << shown(res);
          shows_no_a_id(res);
        }};
  };
  // B's caller cannot reach A through a write without an id either: the
  // body names A's tenant, the result lands in B (the snapshot proves A
  // unchanged).
  auto inject = [&](const std::string& body) {
    return body.substr(0, body.size() - 1) + R"(,"tenant_id":")" + a_.id + R"("})";
  };

  std::map<std::string, RouteCheck> checks;
  checks["GET /livez"] = plain(true);
  checks["GET /readyz"] = plain(true);
  checks["GET /v1/ping"] = plain(true);
  checks["GET /v1/test/noop"] = plain(true);
  checks["GET /v1/test/sleep"] = plain(true, "?ms=0");
  checks["GET /v1/test/db-sleep"] = plain(true, "?ms=0");
  checks["GET /v1/test/noop-authenticated"] = plain(false);
  checks["GET /v1/me"] = {
      false, {}, [&](const Caller& c, const std::string&, const std::string&, bool) {
        auto res = call("GET", "/v1/me", c.token);
        ASSERT_EQ(res.status, 200) << shown(res);
        EXPECT_EQ(field(res, "tenant_id"), b_.id);
        EXPECT_EQ(field(res, "subject"), c.subject);
        shows_no_a_id(res);
      }};

  checks["GET /v1/users"] = list(kManagers, b_.owner);
  checks["GET /v1/service-accounts"] = list(kManagers, robot_id);
  const std::vector<std::string> users_of_a{a_.owner, member_a};
  checks["GET /v1/users/{id}"] = by_id(kManagers, users_of_a, target_b, "", 200);
  checks["PATCH /v1/users/{id}"] =
      by_id(kManagers, users_of_a, target_b, R"({"role":"viewer"})", 200);
  checks["DELETE /v1/users/{id}"] = by_id(kManagers, users_of_a, victim_b, "", 204);
  checks["DELETE /v1/service-accounts/{id}"] =
      by_id(kManagers, {account_a}, victim_account_b, "", 204);
  // Operators only: 403 by role for A's tenant and B's own alike (the
  // operator's success with the same body is checked after the matrix).
  checks["PATCH /v1/tenants/{id}"] =
      by_id(kOperators, {a_.id}, b_.id, R"({"status":"active"})", 200);

  auto tenant_body = [](const std::string& slug) {
    return R"({"slug":")" + slug + R"(","name":"N","owner_email":"o@)" + slug +
           R"(.example","owner_password":")" + kPassword + R"("})";
  };
  checks["POST /v1/tenants"] = {
      false, kOperators,
      [&](const Caller& c, const std::string&, const std::string&, bool allowed) {
        auto res = call("POST", "/v1/tenants", c.token, inject(tenant_body("made-by-" + c.name)));
        EXPECT_EQ(res.status, allowed ? 201 : 403) << shown(res);
      }};
  checks["POST /v1/users"] = {
      false, kManagers, [&](const Caller& c, const std::string&, const std::string&, bool allowed) {
        auto res =
            call("POST", "/v1/users", c.token,
                 inject(R"({"email":"made-by-)" + c.name +
                        R"(@b.example","role":"member","password":")" + kPassword + R"("})"));
        ASSERT_EQ(res.status, allowed ? 201 : 403) << shown(res);
        shows_no_a_id(res);
        if (allowed) {
          EXPECT_EQ(call("GET", "/v1/users/" + field(res, "id"), token_b).status, 200);
        }
      }};
  checks["POST /v1/service-accounts"] = {
      false, kManagers, [&](const Caller& c, const std::string&, const std::string&, bool allowed) {
        auto res = call("POST", "/v1/service-accounts", c.token,
                        inject(R"({"name":"made-by-)" + c.name + R"(","role":"viewer"})"));
        ASSERT_EQ(res.status, allowed ? 201 : 403) << shown(res);
        shows_no_a_id(res);
        if (allowed) {
          EXPECT_EQ(field(res, "client_id"), b_.id + "." + field(res, "id"));
        }
      }};

  // Anonymous sign-in: A's credentials, and A's ids under B's name, open
  // nothing in B; B's own credentials do.
  auto refresh_a_as_b = "rt1." + b_.id + refresh_a.substr(4 + b_.id.size());
  auto expect_oauth = [](const HttpResult& res, int status, const std::string& error) {
    EXPECT_EQ(res.status, status) << shown(res);
    if (res.status == status) {
      EXPECT_EQ(field(res, "error"), error);
    }
  };
  checks["POST /v1/auth/token"] = {
      true, {}, [&](const Caller& c, const std::string&, const std::string&, bool) {
        auto own = sign_in("tenant-b", "owner@b.example", b_.password, c.token);
        ASSERT_EQ(own.status, 200) << shown(own);
        shows_no_a_id(own);
        expect_oauth(sign_in("tenant-b", "owner@a.example", a_.password, c.token), 400,
                     "invalid_grant");
        expect_oauth(sign_in("tenant-b", "member@a.example", kPassword, c.token), 400,
                     "invalid_grant");
        auto rotated =
            form("/v1/auth/token", c.token,
                 {{"grant_type", "refresh_token"}, {"refresh_token", field(own, "refresh_token")}});
        EXPECT_EQ(rotated.status, 200) << shown(rotated);
        expect_oauth(form("/v1/auth/token", c.token,
                          {{"grant_type", "refresh_token"}, {"refresh_token", refresh_a_as_b}}),
                     400, "invalid_grant");
        // A's account under B's tenant id, with A's own secret.
        expect_oauth(form("/v1/auth/token", c.token,
                          {{"grant_type", "client_credentials"},
                           {"client_id", b_.id + "." + account_a},
                           {"client_secret", account_a_secret}}),
                     401, "invalid_client");
        // A's account with B's secret.
        expect_oauth(form("/v1/auth/token", c.token,
                          {{"grant_type", "client_credentials"},
                           {"client_id", a_.id + "." + account_a},
                           {"client_secret", robot_secret}}),
                     401, "invalid_client");
        auto own_client = form("/v1/auth/token", c.token,
                               {{"grant_type", "client_credentials"},
                                {"client_id", robot_client},
                                {"client_secret", robot_secret}});
        EXPECT_EQ(own_client.status, 200) << shown(own_client);
      }};
  checks["POST /v1/auth/revoke"] = {
      true, {}, [&](const Caller& c, const std::string&, const std::string&, bool) {
        EXPECT_EQ(form("/v1/auth/revoke", c.token, {{"token", refresh_a_as_b}}).status, 200);
        // B's own token is revoked by the same request: it refreshes no more.
        auto own = sign_in("tenant-b", "owner@b.example", b_.password);
        ASSERT_EQ(own.status, 200) << shown(own);
        auto refresh = field(own, "refresh_token");
        EXPECT_EQ(form("/v1/auth/revoke", c.token, {{"token", refresh}}).status, 200);
        expect_oauth(form("/v1/auth/token", c.token,
                          {{"grant_type", "refresh_token"}, {"refresh_token", refresh}}),
                     400, "invalid_grant");
      }};

  // The server's route table: each route covered here, with the same rule.
  auto routes = http_request(api_.admin_port(), "GET", "/routes");
  ASSERT_EQ(routes.status, 200) << shown(routes);
  struct Listed {
    std::string method, pattern;
    const RouteCheck* check;
  };
  std::vector<Listed> listed;
  std::set<std::string> keys;
  auto table = json::parse(routes.body);  // named: a temporary would end before the loop
  for (const auto& entry : table.as_object().at("routes").as_array()) {
    const auto& route = entry.as_object();
    std::string method(route.at("method").as_string()), pattern(route.at("pattern").as_string());
    auto key = method + " " + pattern;
    keys.insert(key);
    auto found = checks.find(key);
    if (found == checks.end()) {
      ADD_FAILURE() << key << ": a route the cross-tenant matrix does not cover: add it";
      continue;
    }
    std::vector<std::string> roles;
    for (const auto& role : route.at("roles").as_array()) roles.emplace_back(role.as_string());
    std::sort(roles.begin(), roles.end());
    auto expected = found->second.roles;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(route.at("anonymous").as_bool(), found->second.anonymous)
        << key << ": its rule changed: update the matrix";
    EXPECT_EQ(roles, expected) << key << ": its roles changed: update the matrix";
    listed.push_back({method, pattern, &found->second});
  }
  for (const auto& [key, check] : checks)
    EXPECT_TRUE(keys.count(key)) << key << ": in the matrix, not in the server's route table";

  int checked = 0;
  for (const auto& caller : callers) {
    for (const auto& route : listed) {
      SCOPED_TRACE(caller.name + " of tenant B: " + route.method + " " + route.pattern);
      bool allowed = route.check->anonymous || route.check->roles.empty();
      for (const auto& role : caller.roles)
        allowed |= std::count(route.check->roles.begin(), route.check->roles.end(), role) > 0;
      route.check->check(caller, route.method, route.pattern, allowed);
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(callers.size() * checks.size()));
  // Addresses are unique per tenant, not across tenants: taking A's member's
  // address in B is no conflict (a 409 would tell that it exists in A).
  auto same_address = call("POST", "/v1/users", token_b,
                           R"({"email":"member@a.example","role":"viewer","password":")" +
                               std::string(kPassword) + R"("})");
  EXPECT_EQ(same_address.status, 201) << shown(same_address);

  expect_same(before, rows_not_of(pg_, b_.id));

  // The bodies B's callers were refused with are valid: an operator
  // succeeds with them.
  auto operator_token = token_for(b_, "operator-1", "platform-admin");
  auto made = call("POST", "/v1/tenants", operator_token, inject(tenant_body("made-by-operator")));
  EXPECT_EQ(made.status, 201) << shown(made);
  EXPECT_EQ(call("PATCH", "/v1/tenants/" + b_.id, operator_token, R"({"status":"active"})").status,
            200);
  // And A is untouched: its refresh token still works, its member unchanged.
  auto refreshed =
      form("/v1/auth/token", "", {{"grant_type", "refresh_token"}, {"refresh_token", refresh_a}});
  EXPECT_EQ(refreshed.status, 200) << shown(refreshed);
  auto still = call("GET", "/v1/users/" + member_a, token_a);
  ASSERT_EQ(still.status, 200);
  EXPECT_NE(still.body.find("\"role\":\"member\""), std::string::npos) << shown(still);
  EXPECT_NE(still.body.find("\"status\":\"active\""), std::string::npos) << shown(still);
}

TEST_F(CrossTenantTest, MembersAreManagedByOwnersAndTheLastOwnerStays) {
  auto token_a = owner_token(a_);
  auto admin = call("POST", "/v1/users", token_a,
                    R"({"email":"admin@a.example","role":"admin","password":"a long password"})");
  ASSERT_EQ(admin.status, 201) << admin.body;
  auto admin_id = std::string(json::parse(admin.body).as_object().at("id").as_string());
  auto claims = TestKeys::claims();
  claims["tid"] = a_.id;
  claims["sub"] = admin_id;
  claims["roles"] = {"admin"};
  auto token_admin = api_.keys().token(claims);
  claims["roles"] = {"member"};
  auto token_member = api_.keys().token(claims);

  EXPECT_EQ(call("GET", "/v1/users", token_member).status, 403);
  EXPECT_EQ(call("POST", "/v1/users", token_admin,
                 R"({"email":"x@a.example","role":"owner","password":"a long password"})")
                .status,
            403);  // only owners make owners
  EXPECT_EQ(call("PATCH", "/v1/users/" + a_.owner, token_admin, R"({"role":"member"})").status,
            403);
  auto duplicate =
      call("POST", "/v1/users", token_a,
           R"({"email":"ADMIN@a.example","role":"member","password":"a long password"})");
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  EXPECT_EQ(call("POST", "/v1/users", token_a,
                 R"({"email":"y@a.example","role":"boss","password":"a long password"})")
                .status,
            400);
  EXPECT_EQ(call("POST", "/v1/users", token_a,
                 R"({"email":"y@a.example","role":"member","password":"short"})")
                .status,
            400);
  EXPECT_EQ(call("POST", "/v1/users", token_a, "not json").status, 400);

  auto last = call("PATCH", "/v1/users/" + a_.owner, token_a, R"({"role":"admin"})");
  EXPECT_EQ(last.status, 409) << last.body;
  EXPECT_NE(last.body.find("last-owner"), std::string::npos);
  EXPECT_EQ(call("DELETE", "/v1/users/" + a_.owner, token_a).status, 409);

  // With a second owner, the first may step down.
  ASSERT_EQ(call("PATCH", "/v1/users/" + admin_id, token_a, R"({"role":"owner"})").status, 200);
  EXPECT_EQ(call("PATCH", "/v1/users/" + a_.owner, token_a, R"({"role":"admin"})").status, 200);
  EXPECT_EQ(call("DELETE", "/v1/users/" + admin_id, token_a).status, 409);  // now the last owner
  EXPECT_EQ(call("GET", "/v1/users/not-a-uuid", token_a).status, 404);
}

TEST_F(CrossTenantTest, OperatorsCreateAndSuspendTenants) {
  auto claims = TestKeys::claims();
  claims["tid"] = b_.id;
  claims["sub"] = "operator-1";
  claims["roles"] = {"platform-admin"};
  auto operator_token = api_.keys().token(claims);
  auto token_a = owner_token(a_);
  EXPECT_EQ(call("POST", "/v1/tenants", token_a, R"({"slug":"x"})").status,
            403);  // owners are not operators

  auto created = call(
      "POST", "/v1/tenants", operator_token,
      R"({"slug":"tenant-c","name":"C","owner_email":"owner@c.example","owner_password":"a long password"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(
      call(
          "POST", "/v1/tenants", operator_token,
          R"({"slug":"tenant-c","name":"C2","owner_email":"o@c.example","owner_password":"a long password"})")
          .status,
      409);

  ASSERT_EQ(call("GET", "/v1/users", token_a).status, 200);
  auto suspended =
      call("PATCH", "/v1/tenants/" + a_.id, operator_token, R"({"status":"suspended"})");
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  auto refused = call("GET", "/v1/users", token_a);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("tenant-suspended"), std::string::npos);
  auto sign_in = http_request(
      api_.port(), "POST", "/v1/auth/token",
      {{"Content-Type", "application/x-www-form-urlencoded"}},
      "grant_type=password&tenant=tenant-a&username=owner%40a.example&password=" + a_.password);
  EXPECT_EQ(sign_in.status, 400) << sign_in.body;  // invalid_grant while suspended

  ASSERT_EQ(call("PATCH", "/v1/tenants/" + a_.id, operator_token, R"({"status":"active"})").status,
            200);
  EXPECT_EQ(call("GET", "/v1/users", token_a).status, 200);
  EXPECT_EQ(call("PATCH", "/v1/tenants/00000000-0000-4000-8000-0000000000ff", operator_token,
                 R"({"status":"active"})")
                .status,
            404);
}

}  // namespace
}  // namespace tenantry::testing
