// POST /v1/auth/token (OAuth 2.0 token endpoint, RFC 6749) and POST
// /v1/auth/revoke (RFC 7009). Grants: password (tenant slug, email,
// password; argon2id), refresh_token (rotated on every use; the reuse of
// a rotated token revokes its whole family; a family ends at the refresh
// lifetime counted from its sign-in) and client_credentials (a service
// account's client id and secret; no refresh token). Errors are RFC 6749's
// JSON ({"error": "invalid_grant"}), input that is not clean text included
// (invalid_request). Slug and address are read in their canonical forms
// (platform/tenancy/identifiers.h). Password sign-ins are limited per
// account, keyed on the account they reach (so every spelling of it shares
// one budget): per account and client address, and per account with a
// budget many addresses' worth (docs/operations.md gives the numbers). Each
// attempt is counted before its password is checked and refunded when it
// was right. When Redis is unreachable, this process counts them itself.
#include <boost/json.hpp>

#include "api/database_problem.h"
#include "api/metrics.h"
#include "api/routes.h"
#include "platform/audit/audit.h"
#include "platform/auth/issuer.h"
#include "platform/auth/middleware.h"
#include "platform/auth/passwords.h"
#include "platform/http/problem.h"
#include "platform/tenancy/identifiers.h"

namespace tenantry::api {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

http::Response oauth_error(unsigned status, std::string_view error) {
  auto response = http::Response::json(status, json::serialize(json::object{{"error", error}}));
  response.with_header("Cache-Control", "no-store");
  return response;
}

// Longer passwords are refused before any hashing (argon2 takes any length).
constexpr std::size_t kMaxPasswordBytes = 1024;
// A token request's form: a password of kMaxPasswordBytes, a 320-byte
// address and a slug, each percent-encoded three times over, with room left.
constexpr std::size_t kTokenFormBytes = 8 * 1024;

http::Response oauth_invalid_input(const http::Request&, const http::InvalidInput&) {
  return oauth_error(400, "invalid_request");
}

http::Response busy(const http::Request& request) {
  return http::overloaded("too many sign-ins at once; retry shortly", request.request_id);
}

struct TokenEndpoint {
  db::Database& database;
  auth::TokenIssuer& issuer;
  auth::PasswordHasher& hasher;
  ratelimit::Enforcer& enforcer;
  SignInPolicies policies;
  prometheus::Family<prometheus::Counter>& failures;

  // The sign-in limits of the account a request reaches: the account (its
  // tenant and user ids when it exists, else a hash of the canonical slug and
  // address, so no address reaches Redis) with this client address, and the
  // account alone, with a budget many addresses' worth. One hash tag: both
  // are decided in one script.
  std::vector<ratelimit::Limit> account_limits(const std::string& account,
                                               const http::Request& request) {
    auto tag = "{a:" + account + "}";
    return {{policies.per_address, tag + ":" + request.remote}, {policies.per_account, tag}};
  }

  // Issues an access token and a new refresh token of `family` (a new
  // family when empty), storing the refresh token's hash. A family lives at
  // most the refresh lifetime from its sign-in: a rotated token inherits
  // `expires_at` (empty for a new family).
  awaitable<http::Response> issue(const http::Request& request, const tenancy::TenantId& tenant,
                                  const std::string& user, const std::string& role,
                                  db::TenantTransaction& tx, std::string family,
                                  std::string expires_at) {
    auto refresh = auth::new_refresh_token(tenant);
    auto ttl = std::to_string(issuer.config().refresh_ttl.count());
    auto stored = co_await tx.query(
        "INSERT INTO refresh_tokens (tenant_id, id, family_id, user_id, token_hash, expires_at) "
        "VALUES ($1, gen_random_uuid(), coalesce(NULLIF($2, '')::uuid, gen_random_uuid()), $3, $4, "
        "coalesce(NULLIF($6, '')::timestamptz, now() + make_interval(secs => $5::int)))",
        tenant, family, user, refresh.hash, ttl, expires_at);
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

  // Every way a sign-in can fail looks alike from outside: an unknown slug,
  // an unknown user, a wrong password, a suspended tenant or a deactivated
  // user all cost one lookup, one argon2id verification and one audit
  // statement, and answer 400 invalid_grant.
  awaitable<http::Response> password_grant(http::Request& request) {
    auto given_slug = request.form_param("tenant"), given_email = request.form_param("username"),
         password = request.form_param("password");
    if (!given_slug || !given_email || !password) co_return oauth_error(400, "invalid_request");
    auto slug = tenancy::canonical_slug(*given_slug);
    auto email = tenancy::canonical_email(*given_email);
    if (!slug || !email || password->size() > kMaxPasswordBytes)
      co_return oauth_error(400, "invalid_request");

    auto found = co_await database.slug_query(
        *slug, db::Access::kReadOnly,
        "SELECT tenant_id::text, tenant_active, user_id::text, password_hash, role, user_active "
        "FROM app_sign_in_account($1, $2)",
        *slug, *email);
    if (!found) co_return database_problem(found.error(), request);
    std::optional<tenancy::TenantId> tenant;
    std::optional<std::string> hash, user, role;
    bool active = false;
    if (!found->empty()) {
      auto row = (*found)[0];
      tenant = tenancy::TenantId::parse(row[0].as<std::string_view>());
      user = row[2].as<std::optional<std::string>>();
      if (user) {
        hash = row[3].as<std::optional<std::string>>();
        role = row[4].as<std::string>();
        active = row[1].as<bool>() && row[5].as<bool>();
      }
    }
    auto account = user ? tenant->str() + ":" + *user
                        : "?" + auth::sha256_hex(*slug + "\n" + *email).substr(0, 32);

    // Counted before the password is checked (concurrent guesses cannot all
    // slip under a limit counted afterwards); refunded when it was right.
    auto limits = account_limits(account, request);
    ratelimit::Decision counted;
    auto verdict = co_await enforcer.check(limits, request,
                                           "too many failed sign-ins for this account", &counted);
    if (verdict.refusal) co_return std::move(*verdict.refusal);

    // GCC 12 cannot hold a braced list across co_await: the sources are named.
    auth::PasswordHasher::Sources sources{"t:" + *slug, "a:" + request.remote};
    auto match = co_await hasher.verify(hash, *password, std::move(sources));
    if (!match) {
      co_await enforcer.limiter().refund(limits, counted);
      co_return busy(request);
    }
    if (!*match || !active) {
      failures.Add({{"grant", "password"}}).Increment();
      // Best effort: a failed audit must not turn a refusal into a 500.
      co_await database.slug_query(*slug, db::Access::kReadWrite,
                                   "SELECT app_record_sign_in_failure($1, $2, $3)", *slug,
                                   user.value_or("unknown"), request.request_id);
      co_return oauth_error(400, "invalid_grant");
    }
    co_await enforcer.limiter().refund(limits, counted);
    auto tx = co_await database.tenant_transaction(*tenant);
    if (!tx) co_return database_problem(tx.error(), request);
    audit::Entry entry{*user, "sign_in", "auth", request.request_id};
    auto audited = co_await audit::record(*tx, std::move(entry));
    if (!audited) co_return database_problem(audited.error(), request);
    co_return co_await issue(request, *tenant, *user, *role, *tx, "", "");
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
                       : base::Uuid::parse(std::string_view(*client_id).substr(dot + 1));
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
        "u.status = 'active' AND t.status = 'active', r.expires_at::text "
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
      audit::Entry entry{user, "refresh_token_reused", "auth", request.request_id};
      auto audited = co_await audit::record(*tx, std::move(entry));
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
    co_return co_await issue(request, *tenant, user, role, *tx, family, row[7].as<std::string>());
  }
};

}  // namespace

void add_token_routes(http::Router& router, db::Database& database, auth::TokenIssuer& issuer,
                      auth::PasswordHasher& hasher, ratelimit::Enforcer& enforcer,
                      SignInPolicies policies, prometheus::Registry& registry) {
  auto& failures = metrics::counter_family(registry, kSignInFailures);
  auto endpoint = std::make_shared<TokenEndpoint>(
      TokenEndpoint{database, issuer, hasher, enforcer, std::move(policies), failures});

  const http::RouteOptions sign_in{
      .refuse_input = oauth_invalid_input,
      .max_body_bytes = kTokenFormBytes,
      .middleware = {auth::RouteAuth{.anonymous = true}, ratelimit::ClientIpLimit{}}};
  router.add(
      "POST", "/v1/auth/token",
      [endpoint](http::Request& request) -> awaitable<http::Response> {
        auto grant = request.form_param("grant_type");
        if (!grant) co_return oauth_error(400, "invalid_request");
        if (*grant == "password") co_return co_await endpoint->password_grant(request);
        if (*grant == "refresh_token") co_return co_await endpoint->refresh_grant(request);
        if (*grant == "client_credentials")
          co_return co_await endpoint->client_credentials_grant(request);
        co_return oauth_error(400, "unsupported_grant_type");
      },
      sign_in);

  // RFC 7009: revoking answers 200 whether or not the token was known.
  router.add(
      "POST", "/v1/auth/revoke",
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
      sign_in);
}

}  // namespace tenantry::api
