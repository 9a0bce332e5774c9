// What can go wrong when talking to PostgreSQL, as values: every database
// call returns Result<T>, and the kind of an Error decides how the caller
// answers (a 503, a 409, a retry) and which metrics label counts it.
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace tenantry::db {

enum class ErrorKind {
  kUnavailable,     // cannot connect (PostgreSQL down, or reconnect backoff in effect)
  kPoolTimeout,     // no connection free within the acquire timeout, or too many waiters
  kConnection,      // the connection broke during the call
  kTimeout,         // statement or lock timeout (server side), or the client-side deadline
  kConstraint,      // SQLSTATE class 23: unique, foreign key, check, not null
  kSerialization,   // 40001 or 40P01: retrying the whole transaction may succeed
  kPermission,      // 42501: a grant or a row-level security policy refused it
  kData,            // SQLSTATE class 22: a value the column type does not accept
  kTenantInactive,  // TN001 from app_enter_tenant: the tenant is suspended or absent
  kInvalidInput,    // a text parameter holds a NUL byte: refused before it is sent
  kQuery,           // any other server error (syntax, undefined column...): a bug
};

struct Error {
  ErrorKind kind = ErrorKind::kQuery;
  std::string sqlstate;  // five characters from the server; empty for client-side errors
  std::string message;   // for logs only: it may quote SQL, never for response bodies

  // True for the kinds that say nothing about the request itself: the caller
  // may answer 503 and the client may retry.
  bool unavailable() const;
};

template <typename T>
using Result = boost::system::result<T, Error>;

// The metrics label of a kind ("pool_timeout", "constraint", ...).
std::string_view error_class(ErrorKind kind);
// Classifies a server error by its SQLSTATE.
ErrorKind kind_of_sqlstate(std::string_view sqlstate);

// Lets Result<T>::value() throw when a caller asks for a value that is not
// there (a programmer error).
[[noreturn]] void throw_exception_from_error(const Error& error,
                                             const boost::source_location& location);

}  // namespace tenantry::db
