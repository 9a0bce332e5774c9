// Migration file names, statement splitting and the lint rules of tenantry-migrate, on a small
// hand-written SQL lexer (no regex: linear in the size of the file whatever it contains).
#include "platform/db/migration_lint.h"

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <set>
#include <utility>

namespace tenantry::db {
namespace {

// ---------------------------------------------------------------------------------------------
// Lexer

enum class TokenKind { kWord, kQuotedIdent, kString, kPunct, kLineComment, kBlockComment };

struct Token {
  TokenKind kind = TokenKind::kPunct;
  std::string value;  // word: lowercased; quoted identifier / string: unescaped content;
                      // comment: text after "--" or between "/*" and "*/"; punct: the char
  std::size_t begin = 0;
  std::size_t end = 0;
  int line = 0;
};

bool is_ident_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c) || c == '$'; }

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = to_lower(c);
  return out;
}

std::string_view trimmed(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

// Reads a '...' literal whose opening quote is at `quote`; returns the index after its end.
std::size_t lex_string(std::string_view sql, std::size_t quote, bool backslash_escapes,
                       std::string& content) {
  std::size_t i = quote + 1;
  while (i < sql.size()) {
    const char c = sql[i];
    if (backslash_escapes && c == '\\' && i + 1 < sql.size()) {
      content += sql[i + 1];
      i += 2;
    } else if (c == '\'') {
      if (i + 1 < sql.size() && sql[i + 1] == '\'') {
        content += '\'';
        i += 2;
      } else {
        return i + 1;
      }
    } else {
      content += c;
      ++i;
    }
  }
  return sql.size();  // unterminated: PostgreSQL will say so
}

// The opening delimiter ($$ or $tag$) of a dollar-quoted string at `i`, or empty.
std::string_view dollar_delimiter(std::string_view sql, std::size_t i) {
  std::size_t j = i + 1;
  if (j < sql.size() && is_ident_start(sql[j])) {
    while (j < sql.size() && is_ident_char(sql[j]) && sql[j] != '$') ++j;
  }
  if (j < sql.size() && sql[j] == '$') return sql.substr(i, j + 1 - i);
  return {};
}

std::vector<Token> lex(std::string_view sql) {
  std::vector<Token> tokens;
  const std::size_t n = sql.size();
  std::size_t i = 0;
  int line = 1;
  while (i < n) {
    const char c = sql[i];
    if (c == '\n') {
      ++line;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    Token token;
    token.begin = i;
    token.line = line;
    const char next = i + 1 < n ? sql[i + 1] : '\0';
    if (c == '-' && next == '-') {
      std::size_t end = sql.find('\n', i);
      if (end == std::string_view::npos) end = n;
      token.kind = TokenKind::kLineComment;
      token.value = std::string(sql.substr(i + 2, end - i - 2));
      i = end;
    } else if (c == '/' && next == '*') {
      int depth = 1;
      i += 2;
      const std::size_t content = i;
      std::size_t content_end = n;
      while (i < n && depth > 0) {
        if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
          if (--depth == 0) content_end = i;
          i += 2;
        } else {
          ++i;
        }
      }
      token.kind = TokenKind::kBlockComment;
      token.value = std::string(sql.substr(content, std::min(content_end, n) - content));
    } else if (c == '\'') {
      token.kind = TokenKind::kString;
      i = lex_string(sql, i, false, token.value);
    } else if (c == '"') {
      token.kind = TokenKind::kQuotedIdent;
      ++i;
      while (i < n) {
        if (sql[i] == '"') {
          if (i + 1 < n && sql[i + 1] == '"') {
            token.value += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        token.value += sql[i++];
      }
    } else if (c == '$' && !dollar_delimiter(sql, i).empty()) {
      const std::string_view delimiter = dollar_delimiter(sql, i);
      const std::size_t body = i + delimiter.size();
      std::size_t close = sql.find(delimiter, body);
      if (close == std::string_view::npos) close = n;
      token.kind = TokenKind::kString;
      token.value = std::string(sql.substr(body, close - body));
      i = std::min(n, close + delimiter.size());
    } else if (is_ident_start(c)) {
      std::size_t end = i + 1;
      while (end < n && is_ident_char(sql[end])) ++end;
      std::string word = lowered(sql.substr(i, end - i));
      if (end < n && sql[end] == '\'' && word.size() == 1) {
        // A prefixed literal: E'..' (backslash escapes), B'..', X'..', N'..'.
        token.kind = TokenKind::kString;
        i = lex_string(sql, end, word == "e", token.value);
      } else {
        token.kind = TokenKind::kWord;
        token.value = std::move(word);
        i = end;
      }
    } else if (is_digit(c)) {
      std::size_t end = i + 1;
      while (end < n && (is_ident_char(sql[end]) || sql[end] == '.')) ++end;
      token.kind = TokenKind::kWord;
      token.value = lowered(sql.substr(i, end - i));
      i = end;
    } else {
      token.kind = TokenKind::kPunct;
      token.value = std::string(1, c);
      ++i;
    }
    token.end = i;
    line +=
        static_cast<int>(std::count(sql.begin() + static_cast<std::ptrdiff_t>(token.begin),
                                    sql.begin() + static_cast<std::ptrdiff_t>(token.end), '\n'));
    tokens.push_back(std::move(token));
  }
  return tokens;
}

bool is_comment(const Token& token) {
  return token.kind == TokenKind::kLineComment || token.kind == TokenKind::kBlockComment;
}

// A statement as the linter sees it: its tokens without comments.
struct ScannedStatement {
  std::vector<Token> tokens;
  std::size_t begin = 0;
  std::size_t end = 0;
  int line = 0;
};

struct ScannedFile {
  std::vector<ScannedStatement> statements;
  std::vector<Token> line_comments;
};

ScannedFile scan(std::string_view sql) {
  ScannedFile file;
  ScannedStatement current;
  auto finish = [&] {
    if (!current.tokens.empty()) file.statements.push_back(std::move(current));
    current = ScannedStatement{};
  };
  for (auto& token : lex(sql)) {
    if (is_comment(token)) {
      if (token.kind == TokenKind::kLineComment) file.line_comments.push_back(std::move(token));
      continue;
    }
    if (token.kind == TokenKind::kPunct && token.value == ";") {
      finish();
      continue;
    }
    if (current.tokens.empty()) {
      current.begin = token.begin;
      current.line = token.line;
    }
    current.end = token.end;
    current.tokens.push_back(std::move(token));
  }
  finish();
  return file;
}

std::vector<Token> significant_tokens(std::string_view sql) {
  std::vector<Token> tokens;
  for (auto& token : lex(sql)) {
    if (!is_comment(token)) tokens.push_back(std::move(token));
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Reading statements

using Tokens = std::vector<Token>;

bool is_word(const Tokens& tokens, std::size_t i, std::string_view word) {
  return i < tokens.size() && tokens[i].kind == TokenKind::kWord && tokens[i].value == word;
}

bool is_punct(const Tokens& tokens, std::size_t i, char c) {
  return i < tokens.size() && tokens[i].kind == TokenKind::kPunct && tokens[i].value[0] == c;
}

bool is_word_in(const Tokens& tokens, std::size_t i,
                std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view word) { return is_word(tokens, i, word); });
}

// Do `words` follow one another from token i?
bool are_words(const Tokens& tokens, std::size_t i, std::initializer_list<std::string_view> words) {
  for (std::string_view word : words) {
    if (!is_word(tokens, i++, word)) return false;
  }
  return true;
}

// Skips the given words if they all follow from i.
std::size_t skip_words(const Tokens& tokens, std::size_t i,
                       std::initializer_list<std::string_view> words) {
  return are_words(tokens, i, words) ? i + words.size() : i;
}

// Index after the parenthesized group opening at i (or i if none opens there).
std::size_t skip_parens(const Tokens& tokens, std::size_t i) {
  if (!is_punct(tokens, i, '(')) return i;
  int depth = 0;
  for (; i < tokens.size(); ++i) {
    if (is_punct(tokens, i, '(')) ++depth;
    if (is_punct(tokens, i, ')') && --depth == 0) return i + 1;
  }
  return i;
}

// Is there, outside parentheses in [begin, end), the sequence `words`?
bool has_words_at_top(const Tokens& tokens, std::size_t begin, std::size_t end,
                      std::initializer_list<std::string_view> words) {
  int depth = 0;
  for (std::size_t i = begin; i < end && i < tokens.size(); ++i) {
    if (is_punct(tokens, i, '(')) ++depth;
    if (is_punct(tokens, i, ')')) --depth;
    if (depth == 0 && are_words(tokens, i, words) && i + words.size() <= end) return true;
  }
  return false;
}

bool is_name_part(const Tokens& tokens, std::size_t i) {
  return i < tokens.size() &&
         (tokens[i].kind == TokenKind::kWord || tokens[i].kind == TokenKind::kQuotedIdent);
}

struct Name {
  std::string text;  // parts joined with '.', unquoted words lowercased; empty: no name at i
  std::size_t next = 0;
};

Name read_name(const Tokens& tokens, std::size_t i) {
  Name name{"", i};
  if (!is_name_part(tokens, i)) return name;
  name.text = tokens[i].value;
  name.next = i + 1;
  while (is_punct(tokens, name.next, '.') && is_name_part(tokens, name.next + 1)) {
    name.text += "." + tokens[name.next + 1].value;
    name.next += 2;
  }
  return name;
}

// Same object? Case-insensitive; a name without a schema (or table) matches one with.
bool same_name(std::string_view a, std::string_view b) {
  const std::string x = lowered(a);
  const std::string y = lowered(b);
  if (x.empty() || y.empty()) return false;
  if (x == y) return true;
  auto ends_with_part = [](const std::string& longer, const std::string& shorter) {
    return longer.size() > shorter.size() && longer.ends_with(shorter) &&
           longer[longer.size() - shorter.size() - 1] == '.';
  };
  return ends_with_part(x, y) || ends_with_part(y, x);
}

// The top-level comma-separated parts of [begin, end).
std::vector<std::pair<std::size_t, std::size_t>> split_on_commas(const Tokens& tokens,
                                                                 std::size_t begin,
                                                                 std::size_t end) {
  std::vector<std::pair<std::size_t, std::size_t>> parts;
  int depth = 0;
  std::size_t start = begin;
  for (std::size_t i = begin; i < end; ++i) {
    if (is_punct(tokens, i, '(')) ++depth;
    if (is_punct(tokens, i, ')')) --depth;
    if (depth == 0 && is_punct(tokens, i, ',')) {
      parts.emplace_back(start, i);
      start = i + 1;
    }
  }
  if (start < end) parts.emplace_back(start, end);
  return parts;
}

bool is_create_index(const Tokens& tokens) {
  return is_word(tokens, 0, "create") &&
         is_word(tokens, skip_words(tokens, 1, {"unique"}), "index");
}

bool is_set(const Tokens& tokens) { return is_word_in(tokens, 0, {"set", "reset"}); }

bool outside_transaction(const Tokens& tokens) {
  if (is_word(tokens, 0, "vacuum")) return true;
  if (is_word(tokens, 0, "create")) {
    if (is_create_index(tokens)) {
      return is_word(tokens, skip_words(tokens, 1, {"unique"}) + 1, "concurrently");
    }
    return is_word_in(tokens, 1, {"database", "tablespace"});
  }
  if (is_word(tokens, 0, "drop")) {
    return are_words(tokens, 1, {"index", "concurrently"}) ||
           is_word_in(tokens, 1, {"database", "tablespace"});
  }
  if (is_word(tokens, 0, "reindex")) {
    const std::size_t kind = skip_parens(tokens, 1);
    return is_word_in(tokens, kind, {"schema", "database", "system"}) ||
           is_word(tokens, kind + 1, "concurrently");
  }
  if (is_word(tokens, 0, "alter")) {
    if (is_word(tokens, 1, "system")) return true;
    return is_word(tokens, 1, "table") &&
           has_words_at_top(tokens, 2, tokens.size(), {"detach", "partition"}) &&
           has_words_at_top(tokens, 2, tokens.size(), {"concurrently"});
  }
  return false;
}

bool is_ddl(const Tokens& tokens) {
  return is_word_in(tokens, 0,
                    {"create", "alter", "drop", "truncate", "comment", "grant", "revoke", "reindex",
                     "cluster", "vacuum", "refresh", "lock", "do"});
}

bool is_transaction_control(const Tokens& tokens) {
  return is_word_in(tokens, 0,
                    {"begin", "commit", "end", "rollback", "abort", "savepoint", "release"}) ||
         are_words(tokens, 0, {"start", "transaction"});
}

enum class LockTimeout { kNone, kSession, kLocal };

// SET [SESSION | LOCAL] lock_timeout {TO | =} value, with a value that is not 0 or DEFAULT.
LockTimeout lock_timeout_set_by(const Tokens& tokens) {
  if (!is_word(tokens, 0, "set")) return LockTimeout::kNone;
  std::size_t i = 1;
  LockTimeout scope = LockTimeout::kSession;
  if (is_word(tokens, i, "local")) {
    scope = LockTimeout::kLocal;
    ++i;
  } else if (is_word(tokens, i, "session")) {
    ++i;
  }
  if (!is_word(tokens, i++, "lock_timeout")) return LockTimeout::kNone;
  if (!is_word(tokens, i, "to") && !is_punct(tokens, i, '=')) return LockTimeout::kNone;
  ++i;
  if (i >= tokens.size()) return LockTimeout::kNone;
  const std::string value = lowered(trimmed(tokens[i].value));
  if (value == "0" || value == "default" || value == "0ms" || value == "0s") {
    return LockTimeout::kNone;
  }
  return scope;
}

// A DROP statement's object kind ("table", "materialized view", ...) and the objects it drops.
struct DropStatement {
  std::string kind;
  std::vector<std::string> objects;
};

DropStatement read_drop(const Tokens& tokens) {
  static const std::vector<std::vector<std::string_view>> kMultiWordKinds = {
      {"materialized", "view"},
      {"foreign", "data", "wrapper"},
      {"foreign", "table"},
      {"event", "trigger"},
      {"access", "method"},
      {"text", "search", "configuration"},
      {"text", "search", "dictionary"},
      {"text", "search", "parser"},
      {"text", "search", "template"},
      {"operator", "class"},
      {"operator", "family"},
      {"procedural", "language"},
      {"owned", "by"},
      {"user", "mapping"},
  };
  DropStatement drop;
  std::size_t i = 1;
  for (const auto& kind : kMultiWordKinds) {
    bool match = true;
    for (std::size_t k = 0; k < kind.size(); ++k) match = match && is_word(tokens, i + k, kind[k]);
    if (match) {
      for (std::size_t k = 0; k < kind.size(); ++k)
        drop.kind += (k ? " " : "") + tokens[i + k].value;
      i += kind.size();
      break;
    }
  }
  if (drop.kind.empty() && i < tokens.size()) drop.kind = tokens[i++].value;
  i = skip_words(tokens, i, {"concurrently"});
  i = skip_words(tokens, i, {"if", "exists"});
  std::vector<std::string> names;
  while (true) {
    Name name = read_name(tokens, i);
    if (name.text.empty()) break;
    names.push_back(name.text);
    i = skip_parens(tokens, name.next);  // DROP FUNCTION f(integer)
    if (!is_punct(tokens, i, ',')) break;
    ++i;
  }
  std::string on_table;
  if (is_word(tokens, i, "on")) on_table = read_name(tokens, i + 1).text;
  for (auto& name : names) drop.objects.push_back(on_table.empty() ? name : on_table + "." + name);
  return drop;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

std::string four_digits(int version) {
  std::string digits = std::to_string(version);
  return std::string(digits.size() < 4 ? 4 - digits.size() : 0, '0') + digits;
}

// ---------------------------------------------------------------------------------------------
// The linter

struct DropDeclaration {
  std::string object;
  int unused_since = 0;
  int line = 0;
};

class MigrationLinter {
 public:
  explicit MigrationLinter(const MigrationFile& file) : file_(file), scanned_(scan(file.sql)) {}

  std::vector<LintFinding> run() {
    if (!expand()) read_drop_declarations();
    const ScannedStatement* outside = nullptr;
    for (const auto& statement : scanned_.statements) {
      if (outside_transaction(statement.tokens)) {
        outside = &statement;
        break;
      }
    }
    bool lock_timeout = false;
    bool reported_lock_timeout = false;
    for (const auto& statement : scanned_.statements) {
      const Tokens& tokens = statement.tokens;
      const LockTimeout set = lock_timeout_set_by(tokens);
      if (set == LockTimeout::kSession || (set == LockTimeout::kLocal && outside == nullptr)) {
        lock_timeout = true;
      }
      if (is_ddl(tokens) && !lock_timeout && !reported_lock_timeout) {
        reported_lock_timeout = true;
        report(statement, "lock-timeout-required",
               set == LockTimeout::kNone && has_local_lock_timeout() && outside != nullptr
                   ? "this migration runs outside a transaction, where SET LOCAL lock_timeout "
                     "has no effect; use SET lock_timeout = '5s' before the first DDL statement"
                   : "no SET lock_timeout before the first DDL statement, so it may queue "
                     "behind a long transaction and block every query behind it; start the "
                     "file with SET lock_timeout = '5s'");
      }
      if (is_transaction_control(tokens)) {
        report(statement, "no-transaction-control",
               upper(tokens[0].value) +
                   " in a migration: tenantry-migrate runs each migration in its own "
                   "transaction (or outside one for CONCURRENTLY); remove it");
      }
      if (outside != nullptr) check_outside_transaction(statement, *outside);

      if (is_word(tokens, 0, "drop")) {
        check_drop(statement);
      } else if (is_word(tokens, 0, "alter")) {
        check_alter(statement);
      } else if (is_create_index(tokens)) {
        check_create_index(statement);
      } else if (is_word(tokens, 0, "create")) {
        note_create_table(tokens);
      }
    }
    std::stable_sort(findings_.begin(), findings_.end(),
                     [](const auto& a, const auto& b) { return a.line < b.line; });
    return std::move(findings_);
  }

 private:
  bool expand() const { return file_.phase == MigrationPhase::kExpand; }

  void report(int line, std::string rule, std::string message) {
    findings_.push_back({file_.name, line, std::move(rule), std::move(message)});
  }
  void report(const ScannedStatement& statement, std::string rule, std::string message) {
    report(statement.line, std::move(rule), std::move(message));
  }

  bool created_here(const std::string& table) const {
    return std::any_of(created_tables_.begin(), created_tables_.end(),
                       [&](const std::string& created) { return same_name(created, table); });
  }

  bool has_local_lock_timeout() const {
    return std::any_of(scanned_.statements.begin(), scanned_.statements.end(), [](const auto& s) {
      return lock_timeout_set_by(s.tokens) == LockTimeout::kLocal;
    });
  }

  void note_create_table(const Tokens& tokens) {
    std::size_t i = 1;
    i = skip_words(tokens, i, {"or", "replace"});
    if (is_word_in(tokens, i, {"global", "local"})) ++i;
    if (is_word_in(tokens, i, {"temp", "temporary", "unlogged"})) ++i;
    if (!is_word(tokens, i, "table")) return;
    i = skip_words(tokens, i + 1, {"if", "not", "exists"});
    Name name = read_name(tokens, i);
    if (!name.text.empty()) created_tables_.push_back(name.text);
  }

  void check_outside_transaction(const ScannedStatement& statement,
                                 const ScannedStatement& outside) {
    const Tokens& tokens = statement.tokens;
    if (outside_transaction(tokens)) {
      if (is_create_index(tokens)) {
        const std::size_t after = skip_words(tokens, 1, {"unique"}) + 2;  // INDEX CONCURRENTLY
        if (!are_words(tokens, after, {"if", "not", "exists"})) {
          report(statement, "concurrently-alone",
                 "CREATE INDEX CONCURRENTLY without IF NOT EXISTS fails when rerun after a "
                 "partial failure; write CREATE INDEX CONCURRENTLY IF NOT EXISTS");
        }
      } else if (are_words(tokens, 0, {"drop", "index", "concurrently"}) &&
                 !are_words(tokens, 3, {"if", "exists"})) {
        report(statement, "concurrently-alone",
               "DROP INDEX CONCURRENTLY without IF EXISTS fails when rerun after a partial "
               "failure; write DROP INDEX CONCURRENTLY IF EXISTS");
      }
      return;
    }
    if (is_set(tokens)) return;
    report(statement, "concurrently-alone",
           "this migration runs outside a transaction, statement by statement, because of " +
               upper(outside.tokens[0].value) + " on line " + std::to_string(outside.line) +
               "; move this statement to a migration of its own");
  }

  void check_drop(const ScannedStatement& statement) {
    DropStatement drop = read_drop(statement.tokens);
    if (expand()) {
      report(statement, "no-drop-in-expand",
             "DROP " + upper(drop.kind) + (drop.objects.empty() ? "" : " " + joined(drop.objects)) +
                 " removes what replicas of the previous release may still use; stop using it "
                 "in one release, then drop it in a contract migration");
      return;
    }
    for (const auto& object : drop.objects) require_declared(statement, object);
  }

  void check_alter(const ScannedStatement& statement) {
    const Tokens& tokens = statement.tokens;
    if (expand()) {
      if (has_words_at_top(tokens, 1, tokens.size(), {"rename"})) {
        report(statement, "no-rename",
               "RENAME breaks replicas of the previous release that use the old name; add the "
               "new object (or column) alongside the old one, and drop the old one in a "
               "contract migration");
      } else if (has_words_at_top(tokens, 1, tokens.size(), {"set", "schema"})) {
        report(statement, "no-rename",
               "SET SCHEMA renames the object for replicas of the previous release; create it "
               "in the new schema alongside the old one instead");
      }
    }
    if (!is_word(tokens, 1, "table")) return;
    std::size_t i = skip_words(tokens, 2, {"if", "exists"});
    i = skip_words(tokens, i, {"only"});
    const Name table = read_name(tokens, i);
    if (table.text.empty()) return;
    i = table.next;
    if (is_punct(tokens, i, '*')) ++i;
    for (const auto& [begin, end] : split_on_commas(tokens, i, tokens.size())) {
      check_alter_table_action(statement, table.text, begin, end);
    }
  }

  void check_alter_table_action(const ScannedStatement& statement, const std::string& table,
                                std::size_t begin, std::size_t end) {
    const Tokens& tokens = statement.tokens;
    const bool is_new = created_here(table);
    if (is_word(tokens, begin, "add")) {
      std::size_t i = begin + 1;
      std::string constraint_name;
      if (is_word(tokens, i, "constraint")) {
        constraint_name = read_name(tokens, i + 1).text;
        i = read_name(tokens, i + 1).next;
      }
      if (!constraint_name.empty() ||
          is_word_in(tokens, i, {"check", "foreign", "primary", "unique", "exclude"})) {
        check_add_constraint(statement, table, constraint_name, is_new, i, end);
        return;
      }
      i = skip_words(tokens, i, {"column"});
      i = skip_words(tokens, i, {"if", "not", "exists"});
      const Name column = read_name(tokens, i);
      if (!is_new && has_words_at_top(tokens, column.next, end, {"not", "null"}) &&
          !has_words_at_top(tokens, column.next, end, {"default"}) &&
          !has_words_at_top(tokens, column.next, end, {"generated"}) && expand()) {
        report(statement, "add-column-not-null-needs-default",
               "ADD COLUMN " + column.text +
                   " NOT NULL without a DEFAULT makes the INSERTs of the previous release fail "
                   "(and the ALTER itself on a table with rows); add a DEFAULT, or add the column "
                   "nullable and enforce NOT NULL later through a validated CHECK");
      }
    } else if (is_word(tokens, begin, "drop")) {
      std::size_t i = begin + 1;
      bool constraint = false;
      if (is_word(tokens, i, "constraint")) {
        constraint = true;
        ++i;
      } else {
        i = skip_words(tokens, i, {"column"});
      }
      i = skip_words(tokens, i, {"if", "exists"});
      const std::string object = table + "." + read_name(tokens, i).text;
      if (expand()) {
        report(statement, "no-drop-in-expand",
               std::string(constraint ? "DROP CONSTRAINT " : "DROP COLUMN ") + object +
                   " removes what replicas of the previous release may still use; stop using it "
                   "in one release, then drop it in a contract migration");
      } else {
        require_declared(statement, object);
      }
    } else if (is_word(tokens, begin, "alter") && !is_word(tokens, begin + 1, "constraint")) {
      std::size_t i = skip_words(tokens, begin + 1, {"column"});
      const Name column = read_name(tokens, i);
      i = column.next;
      const std::string object = table + "." + column.text;
      if (is_word(tokens, i, "type") || are_words(tokens, i, {"set", "data", "type"})) {
        if (expand()) {
          report(statement, "no-column-type-change",
                 "changing the type of " + object +
                     " rewrites the table under an exclusive lock and can break the previous "
                     "release; add a column of the new type, backfill it, and switch over");
        }
      } else if (are_words(tokens, i, {"set", "not", "null"})) {
        if (!is_new && std::none_of(validated_tables_.begin(), validated_tables_.end(),
                                    [&](const std::string& t) { return same_name(t, table); })) {
          report(statement, "set-not-null-needs-validated-check",
                 "SET NOT NULL on " + object +
                     " scans the table under an exclusive lock; add CHECK (" + column.text +
                     " IS NOT NULL) NOT VALID in an earlier migration, then VALIDATE CONSTRAINT "
                     "it earlier in this file before SET NOT NULL");
        }
      } else if (is_word(tokens, i, "drop") &&
                 is_word_in(tokens, i + 1, {"default", "identity", "expression"}) && expand()) {
        report(statement, "no-drop-in-expand",
               "DROP " + upper(tokens[i + 1].value) + " on " + object +
                   " changes what the INSERTs of the previous release get; do it in a contract "
                   "migration");
      }
    } else if (are_words(tokens, begin, {"validate", "constraint"})) {
      const std::string constraint = read_name(tokens, begin + 2).text;
      validated_tables_.push_back(table);
      const std::string object = lowered(table + "." + constraint);
      if (added_not_valid_.contains(object)) {
        report(statement, "constraint-not-valid",
               "VALIDATE CONSTRAINT " + constraint +
                   " in the migration that added it NOT VALID runs in the same transaction, "
                   "holding the ADD's lock through the whole scan; validate it in a later "
                   "migration");
      }
    }
  }

  void check_add_constraint(const ScannedStatement& statement, const std::string& table,
                            const std::string& name, bool is_new, std::size_t i, std::size_t end) {
    const Tokens& tokens = statement.tokens;
    const bool not_valid = has_words_at_top(tokens, i, end, {"not", "valid"});
    if (is_word_in(tokens, i, {"foreign", "check"})) {
      if (not_valid && !name.empty()) added_not_valid_.insert(lowered(table + "." + name));
      if (!is_new && !not_valid) {
        const std::string kind = is_word(tokens, i, "check") ? "CHECK" : "FOREIGN KEY";
        report(statement, "constraint-not-valid",
               "ADD " + kind + " on " + table +
                   " checks every row while holding a lock that blocks writes; add it NOT VALID, "
                   "then VALIDATE CONSTRAINT in a later migration");
      }
    } else if (is_word_in(tokens, i, {"primary", "unique", "exclude"}) && !is_new) {
      bool using_index = false;
      for (std::size_t k = i; k < end; ++k) {
        if (are_words(tokens, k, {"using", "index"}) && !is_word(tokens, k + 2, "tablespace")) {
          using_index = true;
        }
      }
      if (!using_index) {
        report(statement, "create-index-concurrently",
               "ADD " + upper(tokens[i].value) + " on " + table +
                   " builds an index while blocking writes; CREATE UNIQUE INDEX CONCURRENTLY in "
                   "a migration of its own, then ADD CONSTRAINT ... USING INDEX");
      }
    }
  }

  void check_create_index(const ScannedStatement& statement) {
    const Tokens& tokens = statement.tokens;
    const std::size_t index = skip_words(tokens, 1, {"unique"});
    if (is_word(tokens, index + 1, "concurrently")) return;
    std::size_t on = index + 1;
    while (on < tokens.size() && !is_word(tokens, on, "on")) ++on;
    const std::size_t i = skip_words(tokens, on + 1, {"only"});
    const std::string table = read_name(tokens, i).text;
    if (table.empty() || created_here(table)) return;
    report(statement, "create-index-concurrently",
           "CREATE INDEX on " + table +
               ", a table this migration did not create, blocks writes to it while the index "
               "builds; use CREATE INDEX CONCURRENTLY IF NOT EXISTS in a migration of its own");
  }

  void read_drop_declarations() {
    for (const auto& comment : scanned_.line_comments) {
      std::string_view text = trimmed(comment.value);
      if (!lowered(text.substr(0, 6)).starts_with("drops:")) continue;
      text = trimmed(text.substr(6));
      const std::size_t open = text.find('(');
      const std::string_view object = trimmed(text.substr(0, open));
      std::string_view rest = open == std::string_view::npos ? "" : text.substr(open + 1);
      const std::string lower_rest = lowered(rest);
      constexpr std::string_view kUnusedSince = "unused since ";
      std::size_t digits = kUnusedSince.size();
      while (digits < lower_rest.size() && is_digit(lower_rest[digits])) ++digits;
      if (object.empty() || object.find(' ') != std::string_view::npos ||
          !lower_rest.starts_with(kUnusedSince) || digits == kUnusedSince.size() ||
          digits - kUnusedSince.size() > 9 || trimmed(lower_rest.substr(digits)) != ")") {
        report(comment.line, "contract-drop-undeclared",
               "malformed declaration; write `-- drops: <object> (unused since NNNN)`, "
               "e.g. `-- drops: tasks.legacy_notes (unused since 0007)`");
        continue;
      }
      std::string name;
      for (char c : object) {
        if (c != '"') name += c;
      }
      declarations_.push_back(
          {name, std::stoi(lower_rest.substr(kUnusedSince.size(), digits - kUnusedSince.size())),
           comment.line});
    }
  }

  void require_declared(const ScannedStatement& statement, const std::string& object) {
    const DropDeclaration* late = nullptr;
    for (const auto& declaration : declarations_) {
      if (!same_name(declaration.object, object)) continue;
      if (declaration.unused_since < file_.version) return;
      late = &declaration;
    }
    if (late != nullptr) {
      report(statement, "contract-drop-undeclared",
             "the declaration on line " + std::to_string(late->line) + " says " + object +
                 " is unused since " + four_digits(late->unused_since) +
                 ", which is not earlier than this migration (" + four_digits(file_.version) +
                 "); a contract migration may drop only what an earlier release stopped using");
      return;
    }
    report(statement, "contract-drop-undeclared",
           "dropping " + object + " is not declared; add a header line `-- drops: " + object +
               " (unused since NNNN)` naming the earlier migration since which it is unused");
  }

  const MigrationFile& file_;
  ScannedFile scanned_;
  std::vector<LintFinding> findings_;
  std::vector<std::string> created_tables_;
  std::vector<std::string> validated_tables_;
  std::set<std::string> added_not_valid_;
  std::vector<DropDeclaration> declarations_;
};

}  // namespace

std::vector<SqlStatement> split_statements(std::string_view sql) {
  std::vector<SqlStatement> statements;
  for (const auto& statement : scan(sql).statements) {
    statements.push_back({std::string(sql.substr(statement.begin, statement.end - statement.begin)),
                          statement.line});
  }
  return statements;
}

std::optional<MigrationFile> parse_migration_name(std::string_view file_name, std::string sql,
                                                  std::string& error) {
  const std::string name(file_name);
  auto fail = [&](const std::string& what) -> std::optional<MigrationFile> {
    error = name + ": " + what +
            " (migration files are named NNNN_<expand|contract>_<words>.sql, e.g. "
            "0002_expand_add_task_due_date.sql)";
    return std::nullopt;
  };
  std::string_view rest = file_name;
  if (!rest.ends_with(".sql")) return fail("the name does not end in .sql");
  rest.remove_suffix(4);
  if (rest.size() < 5 || !std::all_of(rest.begin(), rest.begin() + 4, is_digit) || rest[4] != '_') {
    return fail("the name does not start with a 4-digit version and '_'");
  }
  const int version = std::stoi(std::string(rest.substr(0, 4)));
  if (version == 0) return fail("version 0000 is not allowed; versions start at 0001");
  rest.remove_prefix(5);
  MigrationPhase phase;
  if (rest.starts_with("expand_")) {
    phase = MigrationPhase::kExpand;
    rest.remove_prefix(7);
  } else if (rest.starts_with("contract_")) {
    phase = MigrationPhase::kContract;
    rest.remove_prefix(9);
  } else {
    return fail("the phase after the version must be 'expand' or 'contract'");
  }
  if (rest.empty()) return fail("the name has no words after the phase");
  const bool words_ok = std::all_of(rest.begin(), rest.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
  });
  if (!words_ok) return fail("the words after the phase may only hold a-z, 0-9 and '_'");
  return MigrationFile{name, version, phase, std::move(sql)};
}

std::string to_string(const LintFinding& finding) {
  return finding.file + ":" + std::to_string(finding.line) + ": " + finding.rule + ": " +
         finding.message;
}

std::vector<LintFinding> lint_migration(const MigrationFile& file) {
  return MigrationLinter(file).run();
}

bool must_run_outside_transaction(const SqlStatement& statement) {
  return outside_transaction(significant_tokens(statement.text));
}

}  // namespace tenantry::db
