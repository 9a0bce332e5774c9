// problem+json responses.
#include "platform/http/problem.h"

#include <boost/json.hpp>

namespace tenantry::http {

Response problem(unsigned status, std::string_view type, std::string_view title,
                 std::string_view detail, std::string_view request_id) {
  boost::json::object body;
  body["type"] = std::string("https://tenantry.dev/problems/") + std::string(type);
  body["title"] = title;
  body["status"] = status;
  if (!detail.empty()) body["detail"] = detail;
  body["request_id"] = request_id;
  return Response{status, "application/problem+json", {}, boost::json::serialize(body)};
}

Response overloaded(std::string_view detail, std::string_view request_id) {
  auto response = problem(503, "overloaded", "Service Unavailable", detail, request_id);
  response.with_header("Retry-After", "1");
  return response;
}

}  // namespace tenantry::http
