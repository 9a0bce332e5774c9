// The HTTP server's settings (listeners, threads, limits, draining):
// declared once, read into a ServerConfig.
#pragma once

#include "platform/base/config.h"
#include "platform/http/server.h"

namespace tenantry::http {

base::SettingGroup server_settings();
// Throws base::ConfigError naming the first bad variable.
ServerConfig read_server_config(const base::EnvReader& env);

}  // namespace tenantry::http
