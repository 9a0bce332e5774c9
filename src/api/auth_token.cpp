// POST /v1/auth/token (OAuth 2.0 token endpoint, RFC 6749) and POST
// /v1/auth/revoke (RFC 7009). Grants: password (tenant slug, email,
// password; argon2id), refresh_token (rotated on every use; the reuse of
// a rotated token revokes its whole family) and client_credentials (a
// service account's client id and secret; no refresh token). Errors are RFC 6749's JSON
// ({"error": "invalid_grant"}); every failed sign-in looks the same to the
// client, takes as long (unknown tenants and users are verified against a
// dummy hash), is counted, and audited when the tenant exists. Failed
// password sign-ins are limited per account (tenant slug and e-mail, known
// or not): past the policy's burst, the account's sign-ins get 429 before
// any password is checked, until the policy lets one more through; a
// successful sign-in clears the count. When Redis is unreachable, this
// process counts them itself.
#include <boost/json.hpp>
#include <cctype>

#include "api/database_problem.h"
#include "api/routes.h"
#include "platform/auth/issuer.h"
#include "platform/auth/passwords.h"
#include "platform/http/problem.h"

namespace tenantry::api {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

http::Response oauth_error(unsigned status, std::string_view error) {
  auto response = http::Response::json(status, json::serialize(json::object{{"error", error}}));
  response.with_header("Cache-Control", "no-store");
  return response;
}

http::Response busy(const http::Request& request) {
  auto response = http::problem(503, "overloaded", "Service Unavailable",
                                "too many sign-ins at once; retry shortly", request.request_id);
  response.with_header("Retry-After", "1");
  return response;
}

struct TokenEndpoint {
  db::Database& database;
  auth::TokenIssuer& issuer;
  auth::PasswordHasher& hasher;
  ratelimit::Enforcer& enforcer;
  ratelimit::Policy failed_sign_ins;
  prometheus::Family<prometheus::Counter>& failures;

  // The account's failed sign-ins, keyed by a hash: no e-mail address in
  // Redis keys.
  std::vector<ratelimit::Limit> account_limit(std::string_view slug, std::string_view email) {
    std::string account(slug);
    account += '\n';
    for (char c : email) account += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return {{failed_sign_ins, "{a:" + auth::sha256_hex(account) + "}"}};
  }

  // Issues an access token and a new refresh token of `family` (a new
  // family when empty), storing the refresh token's hash.
  awaitable<http::Response> issue(const http::Request& request, const tenancy::TenantId& tenant,
                                  const std::string& user, const std::string& role,
                                  db::TenantTransaction& tx, std::string family) {
    auto refresh = auth::new_refresh_token(tenant);
    auto ttl = std::to_string(issuer.config().refresh_ttl.count());
    auto stored = co_await tx.query(
        "INSERT INTO refresh_tokens (tenant_id, id, family_id, user_id, token_hash, expires_at) "
        "VALUES ($1, gen_random_uuid(), coalesce(NULLIF($2, '')::uuid, gen_random_uuid()), $3, $4, "
        "now() + make_interval(secs => $5::int))",
        tenant, family, user, refresh.hash, ttl);
    if (!stored) co_return database_problem(stored.error(), request);
    if (auto done = co_await tx.commit(); !done) co_return database_problem(done.error(), request);
    json::object body{{"access_token", issuer.access_token(user, tenant, {role})},
                      {"token_type", "Bearer"},
                      {"expires_in", issuer.config().access_ttl.count()},
                      {"refresh_token", refresh.token}};
    auto response = http::Response::json(200, json::serialize(body));
    response.with_header("Cache-Control", "no-store");
    co_return response;
  }

  // By value: the arguments are often temporaries of the co_await.
  awaitable<void> audit(tenancy::TenantId tenant, std::string actor, std::string action,
                        std::string request_id) {
    // Best effort: a failed audit insert must not turn a refusal into a 500.
    // Entered whatever the tenant's status: attempts on a suspended tenant
    // are audited too.
    auto tx = co_await database.tenant_transaction(tenant, db::Access::kReadWrite,
                                                   db::TenantStatus::kAny);
    if (!tx) co_return;
    auto inserted = co_await tx->query(
        "INSERT INTO audit_log (tenant_id, actor, action, resource, request_id) "
        "VALUES ($1, $2, $3, 'auth', $4)",
        tenant, actor, action, request_id);
    if (inserted) co_await tx->commit();
  }

  awaitable<http::Response> password_grant(http::Request& request) {
    auto slug = request.form_param("tenant"), email = request.form_param("username"),
         password = request.form_param("password");
    if (!slug || !email || !password || slug->empty() || email->empty())
      co_return oauth_error(400, "invalid_request");
    // Checked before any work: an account under attack costs one Redis call.
    auto account = account_limit(*slug, *email);
    auto verdict =
        co_await enforcer.peek(account, request, "too many failed sign-ins for this account");
    if (verdict.refusal) co_return std::move(*verdict.refusal);

    std::optional<tenancy::TenantId> tenant;
    bool tenant_active = false;
    auto found = co_await database.slug_query(
        *slug, "SELECT id::text, status FROM tenants WHERE slug = $1", *slug);
    if (!found) co_return database_problem(found.error(), request);
    if (!found->empty()) {
      tenant = tenancy::TenantId::parse((*found)[0][0].as<std::string_view>());
      tenant_active = (*found)[0][1].as<std::string_view>() == "active";
    }
    std::optional<std::string> hash, user, role;
    bool user_active = false;
    if (tenant) {
      // Whatever the tenant's status: a suspended tenant's sign-in fails
      // like any other, after the same argon2id work.
      auto tx = co_await database.tenant_transaction(*tenant, db::Access::kReadOnly,
                                                     db::TenantStatus::kAny);
      if (!tx) co_return database_problem(tx.error(), request);
      auto rows = co_await tx->query(
          "SELECT id::text, password_hash, role, status FROM users WHERE lower(email) = lower($1)",
          *email);
      if (!rows) co_return database_problem(rows.error(), request);
      if (auto done = co_await tx->commit(); !done)
        co_return database_problem(done.error(), request);
      if (!rows->empty()) {
        auto row = (*rows)[0];
        user = row[0].as<std::string>();
        hash = row[1].as<std::optional<std::string>>();
        role = row[2].as<std::string>();
        user_active = row[3].as<std::string_view>() == "active";
      }
    }
    // Always one argon2id verification, whatever was found.
    auto match = co_await hasher.verify(hash, *password);
    if (!match) co_return busy(request);
    if (!*match || !tenant_active || !user_active) {
      failures.Add({{"grant", "password"}}).Increment();
      co_await enforcer.limiter().decide(account);
      if (tenant)
        co_await audit(*tenant, user.value_or("unknown"), "sign_in_failed", request.request_id);
      co_return oauth_error(400, "invalid_grant");
    }
    auto tx = co_await database.tenant_transaction(*tenant);
    if (!tx) co_return database_problem(tx.error(), request);
    auto audited = co_await tx->query(
        "INSERT INTO audit_log (tenant_id, actor, action, resource, request_id) "
        "VALUES ($1, $2, 'sign_in', 'auth', $3)",
        *tenant, *user, request.request_id);
    if (!audited) co_return database_problem(audited.error(), request);
    co_await enforcer.limiter().reset(account.front());
    co_return co_await issue(request, *tenant, *user, *role, *tx, "");
  }

  awaitable<http::Response> client_credentials_grant(http::Request& request) {
    auto client_id = request.form_param("client_id"), secret = request.form_param("client_secret");
    if (!client_id || !secret || secret->empty()) co_return oauth_error(400, "invalid_request");
    auto refuse = [&] {
      failures.Add({{"grant", "client_credentials"}}).Increment();
      return oauth_error(401, "invalid_client");
    };
    auto dot = client_id->find('.');
    auto tenant = tenancy::TenantId::parse(std::string_view(*client_id).substr(0, dot));
    auto account = dot == std::string::npos
                       ? std::nullopt
                       : tenancy::TenantId::parse(std::string_view(*client_id).substr(dot + 1));
    if (!tenant || !account) co_return refuse();
    auto rows = co_await database.tenant_query(
        *tenant, db::Access::kReadOnly,
        "SELECT role, secret_hash FROM service_accounts WHERE id = $1 AND status = 'active'",
        account->str());
    if (!rows && rows.error().kind == db::ErrorKind::kTenantInactive) co_return refuse();
    if (!rows) co_return database_problem(rows.error(), request);
    if (rows->empty() ||
        !auth::same_hash(auth::sha256_hex(*secret), (*rows)[0][1].as<std::string_view>()))
      co_return refuse();
    json::object body{{"access_token", issuer.access_token(account->str(), *tenant,
                                                           {(*rows)[0][0].as<std::string>()})},
                      {"token_type", "Bearer"},
                      {"expires_in", issuer.config().access_ttl.count()}};
    auto response = http::Response::json(200, json::serialize(body));
    response.with_header("Cache-Control", "no-store");
    co_return response;
  }

  awaitable<http::Response> refresh_grant(http::Request& request) {
    auto token = request.form_param("refresh_token");
    if (!token || token->empty()) co_return oauth_error(400, "invalid_request");
    auto tenant = auth::refresh_token_tenant(*token);
    if (!tenant) {
      failures.Add({{"grant", "refresh_token"}}).Increment();
      co_return oauth_error(400, "invalid_grant");
    }
    auto tx = co_await database.tenant_transaction(*tenant);
    if (!tx) co_return database_problem(tx.error(), request);
    auto rows = co_await tx->query(
        "SELECT r.id::text, r.family_id::text, r.user_id::text, r.used_at IS NOT NULL, "
        "r.revoked_at IS NULL AND r.expires_at > now(), u.role, "
        "u.status = 'active' AND t.status = 'active' "
        "FROM refresh_tokens r JOIN users u ON u.tenant_id = r.tenant_id AND u.id = r.user_id "
        "JOIN tenants t ON t.id = r.tenant_id WHERE r.token_hash = $1 FOR UPDATE OF r",
        auth::sha256_hex(*token));
    if (!rows) co_return database_problem(rows.error(), request);
    if (rows->empty()) {
      failures.Add({{"grant", "refresh_token"}}).Increment();
      co_return oauth_error(400, "invalid_grant");
    }
    auto row = (*rows)[0];
    auto id = row[0].as<std::string>(), family = row[1].as<std::string>(),
         user = row[2].as<std::string>(), role = row[5].as<std::string>();
    bool reused = row[3].as<bool>(), live = row[4].as<bool>(), active = row[6].as<bool>();
    if (reused) {
      // A rotated token came back: someone holds a copy. End the family.
      auto revoked = co_await tx->query(
          "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS "
          "NULL",
          family);
      if (!revoked) co_return database_problem(revoked.error(), request);
      auto audited = co_await tx->query(
          "INSERT INTO audit_log (tenant_id, actor, action, resource, request_id) "
          "VALUES ($1, $2, 'refresh_token_reused', 'auth', $3)",
          *tenant, user, request.request_id);
      if (!audited) co_return database_problem(audited.error(), request);
      if (auto done = co_await tx->commit(); !done)
        co_return database_problem(done.error(), request);
      failures.Add({{"grant", "refresh_token"}}).Increment();
      co_return oauth_error(400, "invalid_grant");
    }
    if (!live || !active) {
      failures.Add({{"grant", "refresh_token"}}).Increment();
      co_return oauth_error(400, "invalid_grant");
    }
    auto used = co_await tx->query("UPDATE refresh_tokens SET used_at = now() WHERE id = $1", id);
    if (!used) co_return database_problem(used.error(), request);
    co_return co_await issue(request, *tenant, user, role, *tx, family);
  }
};

}  // namespace

void add_token_routes(http::Router& router, db::Database& database, auth::TokenIssuer& issuer,
                      auth::PasswordHasher& hasher, ratelimit::Enforcer& enforcer,
                      ratelimit::Policy failed_sign_ins, prometheus::Registry& registry) {
  auto& failures = prometheus::BuildCounter()
                       .Name("tenantry_auth_sign_in_failures_total")
                       .Help("Refused token requests, by grant type")
                       .Register(registry);
  auto endpoint = std::make_shared<TokenEndpoint>(
      TokenEndpoint{database, issuer, hasher, enforcer, std::move(failed_sign_ins), failures});

  router.add("POST", "/v1/auth/token",
             [endpoint](http::Request& request) -> awaitable<http::Response> {
               auto grant = request.form_param("grant_type");
               if (!grant) co_return oauth_error(400, "invalid_request");
               if (*grant == "password") co_return co_await endpoint->password_grant(request);
               if (*grant == "refresh_token") co_return co_await endpoint->refresh_grant(request);
               if (*grant == "client_credentials")
                 co_return co_await endpoint->client_credentials_grant(request);
               co_return oauth_error(400, "unsupported_grant_type");
             },
             {.anonymous = true, .limit_by_client_ip = true});

  // RFC 7009: revoking answers 200 whether or not the token was known.
  router.add("POST", "/v1/auth/revoke",
             [endpoint](http::Request& request) -> awaitable<http::Response> {
               auto token = request.form_param("token");
               if (!token || token->empty()) co_return oauth_error(400, "invalid_request");
               if (auto tenant = auth::refresh_token_tenant(*token)) {
                 auto revoked = co_await endpoint->database.tenant_query(
                     *tenant, db::Access::kReadWrite,
                     "UPDATE refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND "
                     "family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)",
                     auth::sha256_hex(*token));
                 if (!revoked) co_return database_problem(revoked.error(), request);
               }
               co_return http::Response::json(200, "{}");
             },
             {.anonymous = true, .limit_by_client_ip = true});
}

}  // namespace tenantry::api
