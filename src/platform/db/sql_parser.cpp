// Drives libpg_query: pg_query_parse for the trees (JSON, read with Boost.JSON), and
// pg_query_scan for what the trees leave out: where each statement's first and last token are,
// and the comments.
#include "platform/db/sql_parser.h"

#include <pg_query.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tenantry::db {
namespace {

// Frees a libpg_query result however the scope is left.
template <typename Result, void (*kFree)(Result)>
class Freed {
 public:
  explicit Freed(Result result) : result_(result) {}
  Freed(const Freed&) = delete;
  Freed& operator=(const Freed&) = delete;
  ~Freed() { kFree(result_); }
  const Result* operator->() const { return &result_; }

 private:
  Result result_;
};

// pg_query_scan's result is protobuf (pg_query.proto): ScanResult {repeated ScanToken tokens = 2}
// and ScanToken {int32 start = 1; int32 end = 2; Token token = 4; ...}. libpg-query-dev ships
// the protobuf-c code for it but not protobuf-c's own header, so this reads those few fields
// off the wire format: varints and length-delimited fields, nothing else.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  bool done() const { return data_.empty(); }

  // The next field's number, and its value: a varint in `number`, or `bytes`.
  void next(std::uint64_t& field, std::uint64_t& number, std::string_view& bytes) {
    std::uint64_t key = varint();
    field = key >> 3;
    number = varint();
    if ((key & 7) == 2) {
      if (number > data_.size()) malformed();
      bytes = data_.substr(0, number);
      data_.remove_prefix(number);
    } else if ((key & 7) != 0) {
      malformed();  // fixed-size fields: ScanResult has none
    }
  }

 private:
  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64 && !data_.empty(); shift += 7) {
      const auto byte = static_cast<unsigned char>(data_.front());
      data_.remove_prefix(1);
      value |= std::uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80) == 0) return value;
    }
    malformed();
  }

  [[noreturn]] static void malformed() {
    throw std::logic_error("libpg_query returned a malformed ScanResult");
  }

  std::string_view data_;
};

struct Token {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::uint64_t kind = 0;  // pg_query.proto's enum Token
};
constexpr std::uint64_t kLineComment = 275;   // SQL_COMMENT
constexpr std::uint64_t kBlockComment = 276;  // C_COMMENT

std::vector<Token> read_tokens(std::string_view scan_result) {
  std::vector<Token> tokens;
  WireReader result(scan_result);
  while (!result.done()) {
    std::uint64_t field = 0, number = 0;
    std::string_view bytes;
    result.next(field, number, bytes);
    if (field != 2) continue;
    Token& token = tokens.emplace_back();
    WireReader fields(bytes);
    while (!fields.done()) {
      fields.next(field, number, bytes);
      if (field == 1) token.begin = number;
      if (field == 2) token.end = number;
      if (field == 4) token.kind = number;
    }
  }
  return tokens;
}

// Counts lines up to offsets given in increasing order: linear in the text, however many.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}

  int line_at(std::size_t offset) {
    offset = std::min(offset, text_.size());
    line_ +=
        static_cast<int>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(counted_),
                                    text_.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
    counted_ = std::max(counted_, offset);
    return line_;
  }

 private:
  std::string_view text_;
  std::size_t counted_ = 0;
  int line_ = 1;
};

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

SqlSyntaxError error_at(std::string_view sql, std::size_t offset, std::string message) {
  offset = std::min(offset, sql.size());
  const std::size_t line_start = sql.rfind('\n', offset == 0 ? 0 : offset - 1);
  const std::size_t from = line_start == std::string_view::npos || offset == 0 ? 0 : line_start + 1;
  const auto column = std::count_if(sql.begin() + static_cast<std::ptrdiff_t>(from),
                                    sql.begin() + static_cast<std::ptrdiff_t>(offset),
                                    [](char c) { return !is_utf8_continuation(c); });
  return {std::move(message), LineCounter(sql).line_at(offset), static_cast<int>(column) + 1};
}

// PostgreSQL counts error positions in characters from 1 (0: no position); this is its byte.
std::size_t offset_of_character(std::string_view sql, int position) {
  std::size_t offset = 0;
  for (int character = 1; character < position && offset < sql.size(); ++character) {
    ++offset;
    while (offset < sql.size() && is_utf8_continuation(sql[offset])) ++offset;
  }
  return offset;
}

std::size_t field_or_zero(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value ? value->to_number<std::size_t>() : 0;
}

}  // namespace

void throw_exception_from_error(const SqlSyntaxError& error, const boost::source_location&) {
  throw std::logic_error("SQL that does not parse, used as parsed: " + error.message);
}

boost::system::result<ParsedSql, SqlSyntaxError> parse_sql(std::string_view sql) {
  // libpg_query reads a C string: a NUL would end the text it sees early.
  if (const auto nul = sql.find('\0'); nul != std::string_view::npos) {
    return error_at(sql, nul, "contains a NUL byte");
  }
  const std::string text(sql);
  const Freed<PgQueryParseResult, pg_query_free_parse_result> parsed(pg_query_parse(text.c_str()));
  if (parsed->error) {
    return error_at(sql, offset_of_character(sql, parsed->error->cursorpos),
                    parsed->error->message);
  }
  const Freed<PgQueryScanResult, pg_query_free_scan_result> scanned(pg_query_scan(text.c_str()));
  if (scanned->error) {  // cannot be: what parses, scans
    return error_at(sql, offset_of_character(sql, scanned->error->cursorpos),
                    scanned->error->message);
  }

  ParsedSql out;
  std::vector<SqlSpan> ranges;  // each statement's, from just after the ';' before it
  boost::json::value root = boost::json::parse(parsed->parse_tree);
  if (auto* stmts = root.as_object().if_contains("stmts")) {
    for (auto& raw : stmts->as_array()) {
      auto& fields = raw.as_object();
      const std::size_t begin = field_or_zero(fields, "stmt_location");
      const std::size_t length = field_or_zero(fields, "stmt_len");  // 0: to the end
      ranges.push_back({begin, length == 0 ? sql.size() : begin + length});
      out.statements.push_back({std::move(fields["stmt"]), {}});
    }
  }

  LineCounter lines(sql);
  std::size_t current = 0;
  for (const Token& token : read_tokens({scanned->pbuf.data, scanned->pbuf.len})) {
    const int line = lines.line_at(token.begin);
    if (token.kind == kLineComment) out.line_comments.push_back({token.begin, token.end, line});
    if (token.kind == kLineComment || token.kind == kBlockComment) continue;
    while (current < ranges.size() && token.begin >= ranges[current].end) ++current;
    if (current == ranges.size() || token.begin < ranges[current].begin) continue;  // a ';'
    SqlSpan& span = out.statements[current].span;
    if (span.end == 0) span = {token.begin, token.end, line};
    span.end = token.end;
  }
  return out;
}

}  // namespace tenantry::db
