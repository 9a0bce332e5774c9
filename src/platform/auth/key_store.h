// A replica's verification keys: the JWKS file, re-read when it changes
// (at most every check interval, default 1 s) or on SIGHUP, so keys rotate
// without a restart. See base/reloading_file.h for the exact bound.
#pragma once

#include "platform/auth/keys.h"
#include "platform/base/reloading_file.h"

namespace tenantry::auth {

class KeyStore {
 public:
  // Reads the file; throws KeyError("<path>: <reason>") when it cannot.
  KeyStore(std::filesystem::path path, std::chrono::milliseconds check_interval,
           base::Logger& logger);

  std::shared_ptr<const KeySet> keys() { return file_->get(); }
  // Re-reads the file now; false (and the old keys kept) when it is bad.
  bool reload() { return file_->reload(); }

 private:
  std::unique_ptr<base::ReloadingFile<KeySet>> file_;
};

}  // namespace tenantry::auth
