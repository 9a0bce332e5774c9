// Classifying PostgreSQL errors by SQLSTATE (Appendix A of its manual).
#include "platform/db/error.h"

#include <stdexcept>

namespace tenantry::db {

bool Error::unavailable() const {
  return kind == ErrorKind::kUnavailable || kind == ErrorKind::kPoolTimeout ||
         kind == ErrorKind::kConnection || kind == ErrorKind::kTimeout;
}

std::string_view error_class(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUnavailable: return "unavailable";
    case ErrorKind::kPoolTimeout: return "pool_timeout";
    case ErrorKind::kConnection: return "connection";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kConstraint: return "constraint";
    case ErrorKind::kSerialization: return "serialization";
    case ErrorKind::kPermission: return "permission";
    case ErrorKind::kData: return "data";
    case ErrorKind::kTenantInactive: return "tenant_inactive";
    case ErrorKind::kInvalidInput: return "invalid_input";
    case ErrorKind::kQuery: return "query";
  }
  return "query";
}

ErrorKind kind_of_sqlstate(std::string_view sqlstate) {
  auto starts = [&](std::string_view prefix) { return sqlstate.starts_with(prefix); };
  if (starts("08")) return ErrorKind::kConnection;
  // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections...
  if (starts("57P") || starts("53")) return ErrorKind::kUnavailable;
  if (sqlstate == "57014" || sqlstate == "55P03") return ErrorKind::kTimeout;
  if (starts("23")) return ErrorKind::kConstraint;
  if (sqlstate == "40001" || sqlstate == "40P01") return ErrorKind::kSerialization;
  if (sqlstate == "42501") return ErrorKind::kPermission;
  if (starts("22")) return ErrorKind::kData;
  if (sqlstate == "TN001") return ErrorKind::kTenantInactive;
  return ErrorKind::kQuery;
}

void throw_exception_from_error(const Error& error, const boost::source_location&) {
  throw std::logic_error("database result used without checking its error: " +
                         std::string(error_class(error.kind)) + ": " + error.message);
}

}  // namespace tenantry::db
