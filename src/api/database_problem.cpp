// Database errors as HTTP answers.
#include "api/database_problem.h"

#include <stdexcept>
#include <string>

#include "platform/http/problem.h"

namespace tenantry::api {

http::Response database_problem(const db::Error& error, const http::Request& request) {
  if (error.kind == db::ErrorKind::kTenantInactive) {
    return http::problem(403, "tenant-suspended", "Forbidden",
                         "this tenant is suspended; contact the platform operator",
                         request.request_id);
  }
  // Input the database cannot take (a NUL, which the input check refuses
  // first; a value its type refuses): the request's fault, never a 500.
  if (error.kind == db::ErrorKind::kInvalidInput || error.kind == db::ErrorKind::kData) {
    return http::problem(400, "invalid-input", "Bad Request",
                         "a value in this request is not acceptable", request.request_id);
  }
  if (!error.unavailable()) {
    throw std::logic_error("database error (" + std::string(db::error_class(error.kind)) +
                           "): " + error.message);
  }
  auto detail = error.kind == db::ErrorKind::kPoolTimeout
                    ? "the database is busy; retry shortly"
                    : "the database is unavailable; retry shortly";
  auto response =
      http::problem(503, "database-unavailable", "Service Unavailable", detail, request.request_id);
  response.with_header("Retry-After", "1");
  return response;
}

}  // namespace tenantry::api
