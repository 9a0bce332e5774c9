// Text-format parameters and results over libpq's PGresult.
#include "platform/db/rows.h"

#include <libpq-fe.h>

#include <cmath>

namespace tenantry::db {

Param::Param(double value) {
  if (std::isnan(value)) {
    text_ = "NaN";
  } else if (std::isinf(value)) {
    text_ = value > 0 ? "Infinity" : "-Infinity";
  } else {
    char buffer[32];
    auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    text_.emplace(buffer, end);
  }
}

bool Field::is_null() const { return PQgetisnull(result_, row_, column_) != 0; }

std::string_view Field::text() const {
  return {PQgetvalue(result_, row_, column_),
          static_cast<std::size_t>(PQgetlength(result_, row_, column_))};
}

void Field::wrong_type(std::string_view wanted) const {
  const char* name = PQfname(result_, column_);
  throw std::logic_error("column " + std::string(name ? name : "?") + ": expected " +
                         std::string(wanted));
}

Field Row::operator[](std::string_view column) const {
  int index = PQfnumber(result_, std::string(column).c_str());
  if (index < 0) throw std::logic_error("no column named " + std::string(column));
  return Field(result_, row_, index);
}

Rows::Rows(pg_result* result) : result_(result) {}

void Rows::Clear::operator()(pg_result* result) const { PQclear(result); }

std::size_t Rows::size() const {
  return result_ ? static_cast<std::size_t>(PQntuples(result_.get())) : 0;
}

std::uint64_t Rows::affected() const {
  if (!result_) return 0;
  std::string_view text = PQcmdTuples(result_.get());
  std::uint64_t count = 0;
  std::from_chars(text.data(), text.data() + text.size(), count);
  return count;
}

}  // namespace tenantry::db
