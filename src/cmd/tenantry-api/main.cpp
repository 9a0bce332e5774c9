// tenantry-api: a stateless web replica. Reads and checks its settings, then
// runs the Application they describe.
#include <cstdio>
#include <string>
#include <string_view>

#include "api/config.h"
#include "cmd/tenantry-api/application.h"

namespace {

constexpr const char* kUsage = R"(Usage: tenantry-api [--help | --version | --settings[=markdown]]

tenantry-api: a stateless Tenantry web replica, configured by environment
variables only. SIGTERM or SIGINT drains and exits 0; a second signal exits
at once. SIGHUP re-reads the JWKS file (it is also re-read within
TENANTRY_JWKS_CHECK_MS of a change).

  --settings           every setting, one line each: NAME TYPE DEFAULT HELP
                       (tab-separated; for programs such as ./tenantry)
  --settings=markdown  the same as the README's table

Exit status: 0 after a drained stop, 1 when a listener cannot be bound,
2 on a bad setting or argument.

Settings [default]:
)";

int usage_error(std::string_view argument) {
  std::fprintf(stderr, "tenantry-api: unknown argument '%.*s' (see --help)\n",
               static_cast<int>(argument.size()), argument.data());
  return 2;
}

// --help and friends; -1 when the replica should start.
int answer_command_line(int argc, char** argv, const tenantry::base::Declarations& settings) {
  if (argc == 1) return -1;
  if (argc > 2) return usage_error(argv[2]);
  std::string_view arg = argv[1];
  if (arg == "--help" || arg == "-h") {
    std::fputs(kUsage, stdout);
    std::fputs(tenantry::base::settings_help(settings).c_str(), stdout);
  } else if (arg == "--version") {
    std::puts(TENANTRY_VERSION);
  } else if (arg == "--settings") {
    std::fputs(tenantry::base::settings_tsv(settings).c_str(), stdout);
  } else if (arg == "--settings=markdown") {
    std::fputs(tenantry::base::settings_markdown(settings).c_str(), stdout);
  } else {
    return usage_error(arg);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tenantry;
  base::EnvReader env(api::ApiConfig::declarations());
  if (int code = answer_command_line(argc, argv, env.declarations()); code >= 0) return code;
  try {
    if (!base::check_environment("tenantry-api", env, base::environment_names())) return 2;
    auto config = api::ApiConfig::from_env(env);
    static char stdout_buffer[64 * 1024];
    std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    app::Application application(std::move(config));
    return application.run();
  } catch (const base::ConfigError& e) {
    std::fprintf(stderr, "tenantry-api: %s\n", e.what());
    return 2;
  } catch (const app::StartupError& e) {
    std::fprintf(stderr, "tenantry-api: %s\n", e.what());
    return e.code;
  }
}
