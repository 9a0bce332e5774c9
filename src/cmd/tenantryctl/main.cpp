// tenantryctl: the operator's command line: the signing keys of access
// tokens (generate, rotate, retire, list; see docs/key-rotation.md), minting
// a token with the signing key (operators, tests), creating tenants and
// setting the plans' rate limits (through a SystemTransaction as
// tenantry_system, SYSTEM_DATABASE_URL).
// Every failure is one line naming the culprit and a non-zero exit.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cmd/command_line.h"
#include "platform/auth/issuer.h"
#include "platform/auth/jwt.h"
#include "platform/auth/keys.h"
#include "platform/auth/passwords.h"
#include "platform/base/file.h"
#include "platform/base/text.h"
#include "platform/db/settings.h"
#include "platform/db/transaction.h"
#include "platform/tenancy/identifiers.h"
#include "platform/tenancy/tenant_id.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using tenantry::auth::KeyError;
using tenantry::auth::KeySet;
using tenantry::auth::SigningKey;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  std::string dir;
  int bits = 2048;
  std::string kid;
  long publish_wait_ms = 2000;
  std::string tenant, subject, roles, issuer = "tenantry", audience = "tenantry-api";
  std::string slug, name, owner_email, plan = "free";
  long tenant_rps = -1, tenant_burst = -1, user_rps = -1, user_burst = -1;  // -1: unchanged
  bool password_stdin = false;
  long ttl = 900;
  std::optional<std::string> system_database_url;  // SYSTEM_DATABASE_URL
};

std::string read_file(const fs::path& path) {
  auto text = tenantry::base::read_file(path);
  if (!text) throw Failure(path.string() + ": cannot read");
  return std::move(*text);
}

// Writes through a temporary file and a rename, so readers (replicas
// re-reading the JWKS) never see half a file.
void write_file(const fs::path& path, const std::string& content, mode_t mode) {
  auto temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    if (!out) throw Failure(temporary.string() + ": cannot write");
    ::chmod(temporary.c_str(), mode);
    out << content;
    if (!out.flush()) throw Failure(temporary.string() + ": cannot write");
  }
  fs::rename(temporary, path);
}

fs::path key_path(const Options& o) { return fs::path(o.dir) / "signing-key.pem"; }
fs::path jwks_path(const Options& o) { return fs::path(o.dir) / "jwks.json"; }

// The JWKS document's keys, checked to be usable.
json::array read_jwks(const Options& o) {
  auto text = read_file(jwks_path(o));
  try {
    KeySet::parse(text);
  } catch (const KeyError& e) {
    throw Failure(jwks_path(o).string() + ": " + e.what());
  }
  return json::parse(text).as_object().at("keys").as_array();
}

std::string kid_of(const json::value& jwk) {
  auto* kid = jwk.as_object().if_contains("kid");
  return kid && kid->is_string() ? std::string(kid->as_string()) : "";
}

SigningKey read_signing_key(const Options& o) {
  try {
    return SigningKey::from_pem(read_file(key_path(o)));
  } catch (const KeyError& e) {
    throw Failure(key_path(o).string() + ": " + e.what());
  }
}

void write_jwks(const Options& o, const json::array& keys) {
  write_file(jwks_path(o), json::serialize(json::object{{"keys", keys}}) + "\n", 0644);
}

int generate(const Options& o) {
  if (fs::exists(key_path(o)))
    throw Failure(key_path(o).string() + ": exists already; use 'tenantryctl keys rotate'");
  fs::create_directories(o.dir);
  auto key = SigningKey::generate(o.bits);
  write_jwks(o, json::array{json::parse(key.public_jwk())});
  write_file(key_path(o), key.private_pem(), 0600);
  std::printf("generated %s\n", key.kid().c_str());
  return 0;
}

int rotate(const Options& o) {
  auto old_key = read_signing_key(o);
  auto keys = read_jwks(o);
  auto key = SigningKey::generate(o.bits);
  keys.push_back(json::parse(key.public_jwk()));
  write_jwks(o, keys);
  // Replicas must know the new public key before any token it signs
  // reaches them.
  std::this_thread::sleep_for(std::chrono::milliseconds(o.publish_wait_ms));
  write_file(key_path(o), key.private_pem(), 0600);
  std::printf("signing with %s; %s stays in jwks.json until retired\n", key.kid().c_str(),
              old_key.kid().c_str());
  return 0;
}

int retire(const Options& o) {
  if (o.kid.empty()) throw UsageError("--kid is required");
  if (read_signing_key(o).kid() == o.kid)
    throw Failure(o.kid + ": is the current signing key; rotate first");
  auto keys = read_jwks(o);
  json::array kept;
  for (auto& jwk : keys) {
    if (kid_of(jwk) != o.kid) kept.push_back(jwk);
  }
  if (kept.size() == keys.size()) throw Failure(o.kid + ": not in " + jwks_path(o).string());
  write_jwks(o, kept);
  std::printf("retired %s\n", o.kid.c_str());
  return 0;
}

int list(const Options& o) {
  auto signing = read_signing_key(o).kid();
  for (const auto& jwk : read_jwks(o)) {
    auto kid = kid_of(jwk);
    std::printf("%s%s\n", kid.c_str(), kid == signing ? "  (signing)" : "");
  }
  return 0;
}

int mint(const Options& o) {
  if (!tenantry::tenancy::TenantId::parse(o.tenant))
    throw UsageError("--tenant: expected a UUID, got '" + o.tenant + "'");
  if (o.subject.empty()) throw UsageError("--subject is required");
  json::array roles;
  std::stringstream list(o.roles);
  for (std::string role; std::getline(list, role, ',');) {
    if (!role.empty()) roles.emplace_back(role);
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  json::object claims{{"iss", o.issuer},   {"aud", o.audience}, {"sub", o.subject},
                      {"tid", o.tenant},   {"roles", roles},    {"iat", now},
                      {"exp", now + o.ttl}};
  std::printf("%s\n", tenantry::auth::sign(read_signing_key(o), json::serialize(claims)).c_str());
  return 0;
}

namespace db = tenantry::db;
using Work = std::function<boost::asio::awaitable<db::Result<db::Rows>>(db::SystemTransaction&)>;

// Runs `work` in one SystemTransaction as tenantry_system
// (SYSTEM_DATABASE_URL) and commits it; its rows, or its error.
db::Result<db::Rows> in_system_transaction(const Options& o, const Work& work) {
  if (!o.system_database_url) throw UsageError("SYSTEM_DATABASE_URL: required but not set");
  boost::asio::io_context context;
  boost::asio::io_context* contexts[] = {&context};
  prometheus::Registry registry;
  tenantry::db::PoolMetrics pool_metrics(registry, "system");
  db::PoolConfig config;
  config.connection.url = *o.system_database_url;
  config.connection.application_name = "tenantryctl";
  config.max_size = 1;
  config.acquire_timeout = std::chrono::milliseconds(5'000);
  db::Pool pool(config, contexts, pool_metrics);
  std::optional<db::Result<db::Rows>> outcome;
  boost::asio::co_spawn(
      context,
      [&]() -> boost::asio::awaitable<void> {
        auto tx = co_await db::SystemTransaction::begin(pool);
        if (!tx) {
          outcome = tx.error();
          co_return;
        }
        auto rows = co_await work(*tx);
        if (!rows) {
          outcome = rows.error();
          co_return;
        }
        auto done = co_await tx->commit();
        if (!done)
          outcome = done.error();
        else
          outcome = std::move(*rows);
      },
      boost::asio::detached);
  context.run();
  if (!outcome) throw Failure("the database call did not finish");
  return std::move(*outcome);
}

// Plans are data: the plans table says which exist.
void check_plan(const Options& o, const std::string& flag, const std::string& plan) {
  auto rows = in_system_transaction(o, [](db::SystemTransaction& tx) {
    return tx.query("SELECT name FROM plans ORDER BY name");
  });
  if (!rows) throw Failure("reading the plans: " + rows.error().message);
  std::string names;
  for (auto row : *rows) {
    auto name = row[0].as<std::string>();
    if (name == plan) return;
    names += (names.empty() ? "" : ", ") + name;
  }
  throw UsageError(flag + ": expected one of " + names + ", got '" + plan + "'");
}

int create_tenant(const Options& o) {
  if (o.slug.empty() || o.name.empty() || o.owner_email.empty())
    throw UsageError("tenant create: --slug, --name and --owner-email are required");
  auto slug = tenantry::tenancy::canonical_slug(o.slug);
  if (!slug) throw UsageError("--slug: expected " + std::string(tenantry::tenancy::kSlugRule));
  auto email = tenantry::tenancy::canonical_email(o.owner_email);
  if (!email)
    throw UsageError("--owner-email: expected " + std::string(tenantry::tenancy::kEmailRule));
  if (auto bad = tenantry::base::text_problem(o.name, tenantry::base::TextKind::kIdentifier))
    throw UsageError("--name: " + std::string(*bad));
  check_plan(o, "--plan", o.plan);
  std::string password;
  if (o.password_stdin) {
    if (!std::getline(std::cin, password))
      throw UsageError("--password-stdin: no line on standard input");
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.size() < 12 || password.size() > 1024)
      throw UsageError("--password-stdin: the password must have 12 to 1024 characters");
  } else {
    password = tenantry::auth::random_secret();
  }
  auto hash = tenantry::auth::PasswordHasher::hash_now(password);

  auto outcome = in_system_transaction(
      o, [&](db::SystemTransaction& tx) -> boost::asio::awaitable<db::Result<db::Rows>> {
        auto tenant = co_await tx.query(
            "INSERT INTO tenants (id, slug, name, plan) VALUES (gen_random_uuid(), $1, $2, $3) "
            "RETURNING id",
            *slug, o.name, o.plan);
        if (!tenant) co_return tenant.error();
        auto id = (*tenant)[0][0].as<std::string>();
        auto owner = co_await tx.query(
            "INSERT INTO users (tenant_id, id, email, email_canonical, password_hash, role) "
            "VALUES ($1, gen_random_uuid(), $2, $3, $4, 'owner') "
            "RETURNING tenant_id::text, id::text",
            id, o.owner_email, *email, hash);
        if (!owner) co_return owner.error();
        auto audited = co_await tx.query(
            "INSERT INTO audit_log (tenant_id, actor, action, resource) "
            "VALUES ($1, 'tenantryctl', 'tenant_created', 'tenant')",
            id);
        if (!audited) co_return audited.error();
        co_return std::move(*owner);
      });
  if (!outcome) {
    auto error = outcome.error();
    if (error.kind == db::ErrorKind::kConstraint)
      throw Failure("a tenant with slug '" + *slug + "' exists already, or a value is invalid (" +
                    error.message + ")");
    throw Failure("cannot create the tenant: " + error.message);
  }
  auto row = (*outcome)[0];
  std::printf("tenant %s\nowner %s\n", row[0].as<std::string>().c_str(),
              row[1].as<std::string>().c_str());
  if (!o.password_stdin) std::printf("password %s\n", password.c_str());
  return 0;
}

// Replicas apply a plan's new limits as their cached tenant records expire
// (TENANTRY_CACHE_TTL_MS).
int set_plan(const std::string& plan, const Options& o) {
  if (o.tenant_rps < 0 && o.tenant_burst < 0 && o.user_rps < 0 && o.user_burst < 0)
    throw UsageError(
        "plan set: give at least one of --tenant-rps, --tenant-burst, --user-rps, "
        "--user-burst");
  check_plan(o, "plan set", plan);
  auto value = [](long v) { return v < 0 ? std::nullopt : std::optional<long>(v); };
  auto outcome = in_system_transaction(
      o, [&](db::SystemTransaction& tx) -> boost::asio::awaitable<db::Result<db::Rows>> {
        co_return co_await tx.query(
            "UPDATE plans SET tenant_rps = coalesce($2::int, tenant_rps), "
            "tenant_burst = coalesce($3::int, tenant_burst), "
            "user_rps = coalesce($4::int, user_rps), user_burst = coalesce($5::int, user_burst) "
            "WHERE name = $1",
            plan, value(o.tenant_rps), value(o.tenant_burst), value(o.user_rps),
            value(o.user_burst));
      });
  if (!outcome) throw Failure("cannot change plan '" + plan + "': " + outcome.error().message);
  if (outcome->affected() != 1) throw Failure("plan '" + plan + "' has no row in the plans table");
  return 0;
}

int list_plans(const Options& o) {
  auto outcome = in_system_transaction(
      o, [](db::SystemTransaction& tx) -> boost::asio::awaitable<db::Result<db::Rows>> {
        co_return co_await tx.query(
            "SELECT name, tenant_rps, tenant_burst, user_rps, user_burst FROM plans ORDER BY "
            "tenant_rps");
      });
  if (!outcome) throw Failure("cannot read the plans: " + outcome.error().message);
  std::printf("plan tenant_rps tenant_burst user_rps user_burst\n");
  for (std::size_t i = 0; i < outcome->size(); ++i) {
    auto row = (*outcome)[i];
    std::printf("%s %s %s %s %s\n", row[0].as<std::string>().c_str(),
                row[1].as<std::string>().c_str(), row[2].as<std::string>().c_str(),
                row[3].as<std::string>().c_str(), row[4].as<std::string>().c_str());
  }
  return 0;
}

// The commands and their options, declared once: parsing and --help.
struct CommandLine {
  explicit CommandLine(const tenantry::base::EnvReader& env)
      : app("tenantryctl: operate a Tenantry installation.", "tenantryctl") {
    app.require_subcommand(0, 1);
    auto* keys =
        app.add_subcommand("keys", "the signing keys of access tokens")->require_subcommand(0, 1);
    auto* generate = keys->add_subcommand(
        "generate",
        "make the first signing key: DIR/signing-key.pem (private, mode 0600) and DIR/jwks.json "
        "(public keys, what TENANTRY_JWKS_FILE points at); refuses to overwrite one");
    add_dir(generate);
    add_bits(generate);
    auto* rotate = keys->add_subcommand(
        "rotate",
        "add a new key to jwks.json, wait (replicas re-read the JWKS within "
        "TENANTRY_JWKS_CHECK_MS), then make it the signing key; the old public key stays");
    add_dir(rotate);
    add_bits(rotate);
    rotate->add_option("--publish-wait-ms", options.publish_wait_ms, "the wait, in milliseconds")
        ->check(CLI::Range(0L, 600'000L))
        ->capture_default_str();
    auto* retire = keys->add_subcommand(
        "retire",
        "remove a public key from jwks.json once the tokens it signed have expired; "
        "the current signing key cannot be retired");
    add_dir(retire);
    retire->add_option("--kid", options.kid, "the key's id")->required();
    add_dir(keys->add_subcommand("list", "print each kid in jwks.json, marking the signing key"));

    auto* tenant = app.add_subcommand("tenant", "tenants")->require_subcommand(0, 1);
    auto* create = tenant->add_subcommand(
        "create",
        "create a tenant and its owner in one transaction, as tenantry_system; prints the tenant "
        "id, the owner's id and a one-time password for the owner (argon2id-hashed; shown only "
        "once)");
    create->add_option("--slug", options.slug, "the tenant's slug")->required();
    create->add_option("--name", options.name, "the tenant's name")->required();
    create->add_option("--owner-email", options.owner_email, "the owner's e-mail")->required();
    create->add_option("--plan", options.plan, "its plan (`plan list` shows them)")
        ->capture_default_str();
    create->add_flag("--password-stdin", options.password_stdin,
                     "take the owner's password (12 to 1024 characters) from the first line of "
                     "standard input, and print none");

    auto* plan = app.add_subcommand("plan", "the plans' rate limits")->require_subcommand(0, 1);
    auto* set = plan->add_subcommand(
        "set",
        "change a plan's limits: requests per second and burst for each of its tenants, and for "
        "each user of a tenant; replicas apply them within TENANTRY_CACHE_TTL_MS");
    set->add_option("PLAN", plan_name, "the plan")->required();
    set->add_option("--tenant-rps", options.tenant_rps)->check(CLI::Range(1L, 1'000'000L));
    set->add_option("--tenant-burst", options.tenant_burst)->check(CLI::Range(1L, 10'000'000L));
    set->add_option("--user-rps", options.user_rps)->check(CLI::Range(1L, 1'000'000L));
    set->add_option("--user-burst", options.user_burst)->check(CLI::Range(1L, 10'000'000L));
    plan->add_subcommand("list", "print each plan's limits");

    auto* token = app.add_subcommand("token", "access tokens")->require_subcommand(0, 1);
    auto* mint = token->add_subcommand(
        "mint",
        "print an access token signed with DIR/signing-key.pem, for operators (a platform-admin "
        "token before any user exists) and tests");
    add_dir(mint);
    mint->add_option("--tenant", options.tenant, "the tenant's UUID")->required();
    mint->add_option("--subject", options.subject, "the token's sub")->required();
    mint->add_option("--roles", options.roles, "comma-separated roles");
    mint->add_option("--ttl", options.ttl, "lifetime in seconds")
        ->check(CLI::Range(1L, 86'400L))
        ->capture_default_str();
    mint->add_option("--issuer", options.issuer)->capture_default_str();
    mint->add_option("--audience", options.audience)->capture_default_str();
    tenantry::cmd::describe_settings(app, env.declarations());
  }

  void add_dir(CLI::App* command) {
    command->add_option("--dir", options.dir, "the keys' directory")->required();
  }
  void add_bits(CLI::App* command) {
    command->add_option("--bits", options.bits, "RSA key size")
        ->check(CLI::Range(2048, 8192))
        ->capture_default_str();
  }

  // "keys rotate", "plan list", ...: the chosen command, or "" or a group
  // alone ("keys") when incomplete.
  std::string chosen() const {
    std::string path;
    for (const auto* level = &app; !level->get_subcommands().empty();) {
      level = level->get_subcommands().front();
      path += (path.empty() ? "" : " ") + level->get_name();
    }
    return path;
  }

  CLI::App app;
  Options options;
  std::string plan_name;
};

int run(const std::string& command, CommandLine& line) {
  const auto& o = line.options;
  if (command == "keys generate") return generate(o);
  if (command == "keys rotate") return rotate(o);
  if (command == "keys retire") return retire(o);
  if (command == "keys list") return list(o);
  if (command == "tenant create") return create_tenant(o);
  if (command == "plan set") return set_plan(line.plan_name, o);
  if (command == "plan list") return list_plans(o);
  if (command == "token mint") return mint(o);
  throw UsageError(command.empty() ? "missing command: keys, tenant, plan or token"
                                   : command + ": missing subcommand");
}

}  // namespace

int main(int argc, char** argv) {
  tenantry::base::EnvReader env(tenantry::db::system_declarations());
  CommandLine line(env);
  if (auto code = tenantry::cmd::parse_command_line(line.app, argc, argv, env)) return *code;
  try {
    line.options.system_database_url = env.optional("SYSTEM_DATABASE_URL");
    return run(line.chosen(), line);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "tenantryctl: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tenantryctl: %s\n", e.what());
    return 1;
  }
}
