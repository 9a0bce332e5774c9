// tenantry-api as a real child process on free ports, with its own signing
// key and JWKS file generated for the test.
#pragma once

#include <map>
#include <string>

#include "support/services.h"
#include "support/tokens.h"

namespace tenantry::testing {

class ApiProcess {
 public:
  // `env` is added to (and overrides) the defaults: 2 threads, test
  // endpoints on, a 200 ms drain delay, the generated TENANTRY_JWKS_FILE
  // and TENANTRY_JWT_SIGNING_KEY_FILE, and PLATFORM_DATABASE_URL made from
  // `database_url` (the application role's) with tenantry_platform instead.
  // Waits until /livez answers; throws with the log if it does not.
  ApiProcess(const std::string& database_url, const std::string& redis_url,
             std::map<std::string, std::string> env = {});

  unsigned short port() const { return port_; }
  unsigned short admin_port() const { return admin_port_; }
  ChildProcess& process() { return *process_; }
  const TestKeys& keys() const { return keys_; }

 private:
  TempDir dir_;
  TestKeys keys_;
  unsigned short port_;
  unsigned short admin_port_;
  std::optional<ChildProcess> process_;
};

}  // namespace tenantry::testing
