// The JWKS file as a ReloadingFile.
#include "platform/auth/key_store.h"

namespace tenantry::auth {

KeyStore::KeyStore(std::filesystem::path path, std::chrono::milliseconds check_interval,
                   base::Logger& logger) {
  try {
    file_ = std::make_unique<base::ReloadingFile<KeySet>>(
        std::move(path), check_interval,
        [](const std::string& text) { return KeySet::parse(text); }, logger);
  } catch (const std::runtime_error& e) {
    throw KeyError(e.what());
  }
}

}  // namespace tenantry::auth
