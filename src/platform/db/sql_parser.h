// SQL read by PostgreSQL's own parser (libpg_query: the parser of PostgreSQL 15 as a library),
// for the migration lint: each statement's parse tree, where its text is, and the comments.
#pragma once

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tenantry::db {

// A piece of the parsed text: byte offsets [begin, end), and the 1-based line of `begin`.
struct SqlSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
  int line = 0;
};

struct ParsedStatement {
  // libpg_query's JSON of the statement's node, e.g. {"IndexStmt": {"concurrent": true, ...}}.
  // Fields at their default (false, 0, empty list, NULL) are left out, and an integer constant
  // 0 reads {"ival": {}}.
  boost::json::value tree;
  SqlSpan span;  // from its first token to its last: no comment around it, no ';'
};

struct ParsedSql {
  std::vector<ParsedStatement> statements;  // in order; empty statements (";;") are not there
  std::vector<SqlSpan> line_comments;       // each `-- ...`, up to the end of its line
};

struct SqlSyntaxError {
  std::string message;  // the parser's, e.g. `syntax error at or near "ON"`
  int line = 1;         // where the parser stopped
  int column = 1;       // in characters, 1-based
};
[[noreturn]] void throw_exception_from_error(const SqlSyntaxError& error,
                                             const boost::source_location&);

// Parses `sql` as PostgreSQL 15 would, without a server: grammar only, so names are not
// resolved and types not checked (a missing table is no error here).
boost::system::result<ParsedSql, SqlSyntaxError> parse_sql(std::string_view sql);

}  // namespace tenantry::db
