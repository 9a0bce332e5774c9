// Migration file names, statement splitting and the lint rules of tenantry-migrate, as checks on
// the parse trees of PostgreSQL's own parser (sql_parser.h).
#include "platform/db/migration_lint.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "platform/db/sql_parser.h"

namespace tenantry::db {
namespace {

namespace json = boost::json;

// ---------------------------------------------------------------------------------------------
// Reading libpg_query's JSON trees: a node is {"<NodeType>": {fields}}, and fields at their
// default are left out, so each read has one.

const json::object kNoFields;
const json::array kNoItems;

std::string_view type_of(const json::value& node) {
  const auto* outer = node.if_object();
  return outer != nullptr && outer->size() == 1 ? std::string_view(outer->begin()->key()) : "";
}

const json::object& fields_of(const json::value& node) {
  const auto* outer = node.if_object();
  if (outer == nullptr || outer->size() != 1) return kNoFields;
  const auto* inner = outer->begin()->value().if_object();
  return inner != nullptr ? *inner : kNoFields;
}

// The fields of the node in `key`: {"def": {"ColumnDef": {fields}}} -> fields.
const json::object& child(const json::object& fields, std::string_view key) {
  const auto* value = fields.if_contains(key);
  return value != nullptr ? fields_of(*value) : kNoFields;
}

// The fields of `node` if it is a `type` node, else nullptr.
const json::object* as(const json::value& node, std::string_view type) {
  return type_of(node) == type ? &fields_of(node) : nullptr;
}

const json::object& object(const json::object& fields, std::string_view key) {
  const auto* value = fields.if_contains(key);
  return value != nullptr && value->is_object() ? value->get_object() : kNoFields;
}

const json::array& items(const json::object& fields, std::string_view key) {
  const auto* value = fields.if_contains(key);
  return value != nullptr && value->is_array() ? value->get_array() : kNoItems;
}

std::string_view text(const json::object& fields, std::string_view key) {
  const auto* value = fields.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string()) : "";
}

bool flag(const json::object& fields, std::string_view key) {
  const auto* value = fields.if_contains(key);
  return value != nullptr && value->is_bool() && value->get_bool();
}

std::string dotted(const json::array& parts);

// An object's name as written, parts joined with '.': "public.tasks", "tasks.tenant_isolation"
// (DROP POLICY tenant_isolation ON tasks), "f" (DROP FUNCTION f(integer)).
std::string name_of(const json::value& node) {
  if (const auto* string = as(node, "String")) return std::string(text(*string, "sval"));
  if (const auto* list = as(node, "List")) return dotted(items(*list, "items"));
  if (const auto* function = as(node, "ObjectWithArgs")) return dotted(items(*function, "objname"));
  if (const auto* type = as(node, "TypeName")) {
    // The parser spells `int` as pg_catalog.int4: the schema is its, not the migration's.
    const std::string name = dotted(items(*type, "names"));
    return name.starts_with("pg_catalog.") ? name.substr(11) : name;
  }
  if (const auto* role = as(node, "RoleSpec")) return std::string(text(*role, "rolename"));
  return "";
}

std::string dotted(const json::array& parts) {
  std::string out;
  for (const auto& part : parts) {
    const std::string name = name_of(part);
    if (!name.empty()) out += (out.empty() ? "" : ".") + name;
  }
  return out;
}

// A RangeVar: [catalog.][schema.]table.
std::string relation_name(const json::object& range_var) {
  std::string out;
  for (std::string_view part : {text(range_var, "catalogname"), text(range_var, "schemaname"),
                                text(range_var, "relname")}) {
    if (!part.empty()) out += (out.empty() ? "" : ".") + std::string(part);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Statements

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

std::string_view trimmed(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

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

bool outside_transaction(const json::value& tree) {
  const std::string_view type = type_of(tree);
  const json::object& fields = fields_of(tree);
  if (type == "IndexStmt" || type == "DropStmt") return flag(fields, "concurrent");
  if (type == "VacuumStmt") return flag(fields, "is_vacuumcmd");  // not ANALYZE alone
  if (type == "ReindexStmt") {
    const std::string_view kind = text(fields, "kind");
    return kind == "REINDEX_OBJECT_SCHEMA" || kind == "REINDEX_OBJECT_DATABASE" ||
           kind == "REINDEX_OBJECT_SYSTEM" ||
           std::any_of(items(fields, "params").begin(), items(fields, "params").end(),
                       [](const json::value& param) {
                         const auto* option = as(param, "DefElem");
                         return option != nullptr && text(*option, "defname") == "concurrently";
                       });
  }
  if (type == "AlterTableStmt") {
    return std::any_of(items(fields, "cmds").begin(), items(fields, "cmds").end(),
                       [](const json::value& cmd) {
                         const json::object& command = fields_of(cmd);
                         return text(command, "subtype") == "AT_DetachPartition" &&
                                flag(child(command, "def"), "concurrent");
                       });
  }
  return type == "CreatedbStmt" || type == "DropdbStmt" || type == "CreateTableSpaceStmt" ||
         type == "DropTableSpaceStmt" || type == "AlterSystemStmt";
}

// Everything but queries, SET / SHOW, transaction control and session housekeeping: a statement
// of a kind not listed here (a new one included) counts as DDL.
bool is_ddl(const json::value& tree) {
  static const std::set<std::string_view> kNotDdl = {
      "SelectStmt",        "InsertStmt",       "UpdateStmt",      "DeleteStmt",
      "MergeStmt",         "CopyStmt",         "CallStmt",        "ExplainStmt",
      "VariableSetStmt",   "VariableShowStmt", "TransactionStmt", "PrepareStmt",
      "ExecuteStmt",       "DeallocateStmt",   "NotifyStmt",      "ListenStmt",
      "UnlistenStmt",      "DiscardStmt",      "CheckPointStmt",  "LoadStmt",
      "DeclareCursorStmt", "FetchStmt",        "ClosePortalStmt", "ConstraintsSetStmt"};
  return !kNotDdl.contains(type_of(tree));
}

enum class LockTimeout { kNone, kSession, kLocal };

// Does this constant mean 0 (in whatever unit)? Then lock_timeout is off.
bool is_zero(const json::value& constant) {
  const json::object& fields = fields_of(constant);
  if (const auto* integer = fields.if_contains("ival")) {
    return !integer->is_object() || !integer->get_object().contains("ival") ||
           integer->get_object().at("ival").to_number<long long>() == 0;
  }
  std::string value(text(object(fields, "sval"), "sval"));
  if (value.empty()) value = text(object(fields, "fval"), "fval");
  value = lowered(trimmed(value));
  if (value == "default") return true;
  char* end = nullptr;
  const double number = std::strtod(value.c_str(), &end);
  return end != value.c_str() && number == 0;
}

// SET [SESSION | LOCAL] lock_timeout {TO | =} value, with a value that is not 0 or DEFAULT.
LockTimeout lock_timeout_set_by(const json::value& tree) {
  const auto* set = as(tree, "VariableSetStmt");
  if (set == nullptr || text(*set, "name") != "lock_timeout" ||
      text(*set, "kind") != "VAR_SET_VALUE" || items(*set, "args").empty() ||
      is_zero(items(*set, "args").front())) {
    return LockTimeout::kNone;
  }
  return flag(*set, "is_local") ? LockTimeout::kLocal : LockTimeout::kSession;
}

// removeType of a DropStmt as SQL says it: OBJECT_FOREIGN_TABLE -> "FOREIGN TABLE".
std::string object_kind(std::string_view remove_type) {
  static const std::map<std::string_view, std::string_view> kSpelledOut = {
      {"MATVIEW", "MATERIALIZED VIEW"},
      {"FDW", "FOREIGN DATA WRAPPER"},
      {"FOREIGN_SERVER", "SERVER"},
      {"OPCLASS", "OPERATOR CLASS"},
      {"OPFAMILY", "OPERATOR FAMILY"},
      {"TSCONFIGURATION", "TEXT SEARCH CONFIGURATION"},
      {"TSDICTIONARY", "TEXT SEARCH DICTIONARY"},
      {"TSPARSER", "TEXT SEARCH PARSER"},
      {"TSTEMPLATE", "TEXT SEARCH TEMPLATE"}};
  if (remove_type.starts_with("OBJECT_")) remove_type.remove_prefix(7);
  if (auto it = kSpelledOut.find(remove_type); it != kSpelledOut.end()) {
    return std::string(it->second);
  }
  std::string kind(remove_type);
  std::replace(kind.begin(), kind.end(), '_', ' ');
  return kind;
}

// A DROP statement's object kind ("TABLE", "MATERIALIZED VIEW", ...) and the objects it drops.
struct DropStatement {
  std::string kind;
  std::vector<std::string> objects;
};

std::optional<DropStatement> read_drop(const json::value& tree) {
  // DropStmt is DROP of most kinds; the others have a node of their own.
  static const std::map<std::string_view, std::string_view> kOtherDrops = {
      {"DropdbStmt", "DATABASE"},
      {"DropTableSpaceStmt", "TABLESPACE"},
      {"DropRoleStmt", "ROLE"},
      {"DropOwnedStmt", "OWNED BY"},
      {"DropSubscriptionStmt", "SUBSCRIPTION"},
      {"DropUserMappingStmt", "USER MAPPING FOR"}};
  const std::string_view type = type_of(tree);
  const json::object& fields = fields_of(tree);
  DropStatement drop;
  if (type == "DropStmt") {
    drop.kind = object_kind(text(fields, "removeType"));
    for (const auto& object : items(fields, "objects")) drop.objects.push_back(name_of(object));
    return drop;
  }
  const auto other = kOtherDrops.find(type);
  if (other == kOtherDrops.end()) return std::nullopt;
  drop.kind = other->second;
  for (std::string_view key : {"dbname", "tablespacename", "subname", "servername"}) {
    if (!text(fields, key).empty()) drop.objects.emplace_back(text(fields, key));
  }
  for (const auto& role : items(fields, "roles")) drop.objects.push_back(name_of(role));
  return drop;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
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
  MigrationLinter(const MigrationFile& file, const ParsedSql& parsed)
      : file_(file), parsed_(parsed) {}

  std::vector<LintFinding> run() {
    if (!expand()) read_drop_declarations();
    const ParsedStatement* outside = nullptr;
    for (const auto& statement : parsed_.statements) {
      if (outside_transaction(statement.tree)) {
        outside = &statement;
        break;
      }
    }
    bool lock_timeout = false;
    bool reported_lock_timeout = false;
    for (const auto& statement : parsed_.statements) {
      const json::value& tree = statement.tree;
      const LockTimeout set = lock_timeout_set_by(tree);
      if (set == LockTimeout::kSession || (set == LockTimeout::kLocal && outside == nullptr)) {
        lock_timeout = true;
      }
      if (is_ddl(tree) && !lock_timeout && !reported_lock_timeout) {
        reported_lock_timeout = true;
        report(statement, "lock-timeout-required",
               set == LockTimeout::kNone && has_local_lock_timeout() && outside != nullptr
                   ? "this migration runs outside a transaction, where SET LOCAL lock_timeout "
                     "has no effect; use SET lock_timeout = '5s' before the first DDL statement"
                   : "no SET lock_timeout before the first DDL statement, so it may queue "
                     "behind a long transaction and block every query behind it; start the "
                     "file with SET lock_timeout = '5s'");
      }
      if (as(tree, "TransactionStmt") != nullptr) {
        report(statement, "no-transaction-control",
               first_word(statement) +
                   " in a migration: tenantry-migrate runs each migration in its own "
                   "transaction (or outside one for CONCURRENTLY); remove it");
      }
      if (outside != nullptr) check_outside_transaction(statement, *outside);

      if (auto drop = read_drop(tree)) {
        check_drop(statement, *drop);
      } else if (const auto* alter = as(tree, "AlterTableStmt")) {
        check_alter_table(statement, *alter);
      } else if (const auto* index = as(tree, "IndexStmt")) {
        check_create_index(statement, *index);
      } else if (as(tree, "RenameStmt") != nullptr && expand()) {
        report(statement, "no-rename",
               "RENAME breaks replicas of the previous release that use the old name; add the "
               "new object (or column) alongside the old one, and drop the old one in a "
               "contract migration");
      } else if (as(tree, "AlterObjectSchemaStmt") != nullptr && expand()) {
        report(statement, "no-rename",
               "SET SCHEMA renames the object for replicas of the previous release; create it "
               "in the new schema alongside the old one instead");
      } else if (const auto* create = as(tree, "CreateStmt")) {
        created_tables_.push_back(relation_name(object(*create, "relation")));
      } else if (const auto* create_as = as(tree, "CreateTableAsStmt");
                 create_as != nullptr && text(*create_as, "objtype") == "OBJECT_TABLE") {
        created_tables_.push_back(relation_name(object(object(*create_as, "into"), "rel")));
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
  void report(const ParsedStatement& statement, std::string rule, std::string message) {
    report(statement.span.line, std::move(rule), std::move(message));
  }

  // The statement's first keyword as written, upper-cased: "BEGIN", "CREATE".
  std::string first_word(const ParsedStatement& statement) const {
    std::string_view sql = std::string_view(file_.sql).substr(statement.span.begin);
    const auto end = std::find_if(sql.begin(), sql.end(), [](char c) {
      return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
    });
    return upper(sql.substr(0, static_cast<std::size_t>(end - sql.begin())));
  }

  bool created_here(const std::string& table) const {
    return std::any_of(created_tables_.begin(), created_tables_.end(),
                       [&](const std::string& created) { return same_name(created, table); });
  }

  bool has_local_lock_timeout() const {
    return std::any_of(parsed_.statements.begin(), parsed_.statements.end(), [](const auto& s) {
      return lock_timeout_set_by(s.tree) == LockTimeout::kLocal;
    });
  }

  void check_outside_transaction(const ParsedStatement& statement, const ParsedStatement& outside) {
    const json::value& tree = statement.tree;
    if (outside_transaction(tree)) {
      if (const auto* index = as(tree, "IndexStmt"); index && !flag(*index, "if_not_exists")) {
        report(statement, "concurrently-alone",
               "CREATE INDEX CONCURRENTLY without IF NOT EXISTS fails when rerun after a "
               "partial failure; write CREATE INDEX CONCURRENTLY IF NOT EXISTS");
      } else if (const auto* drop = as(tree, "DropStmt"); drop && !flag(*drop, "missing_ok")) {
        report(statement, "concurrently-alone",
               "DROP INDEX CONCURRENTLY without IF EXISTS fails when rerun after a partial "
               "failure; write DROP INDEX CONCURRENTLY IF EXISTS");
      }
      return;
    }
    if (as(tree, "VariableSetStmt") != nullptr) return;  // SET and RESET
    report(statement, "concurrently-alone",
           "this migration runs outside a transaction, statement by statement, because of " +
               first_word(outside) + " on line " + std::to_string(outside.span.line) +
               "; move this statement to a migration of its own");
  }

  void check_drop(const ParsedStatement& statement, const DropStatement& drop) {
    if (expand()) {
      report(statement, "no-drop-in-expand",
             "DROP " + drop.kind + (drop.objects.empty() ? "" : " " + joined(drop.objects)) +
                 " removes what replicas of the previous release may still use; stop using it "
                 "in one release, then drop it in a contract migration");
      return;
    }
    for (const auto& object : drop.objects) require_declared(statement, object);
  }

  // ALTER TABLE (and ALTER INDEX / VIEW / TYPE ..., which PostgreSQL parses alike).
  void check_alter_table(const ParsedStatement& statement, const json::object& alter) {
    const std::string table = relation_name(object(alter, "relation"));
    const bool is_new = created_here(table);
    for (const auto& cmd : items(alter, "cmds")) {
      const json::object& command = fields_of(cmd);
      const std::string_view subtype = text(command, "subtype");
      const std::string object_name = table + "." + std::string(text(command, "name"));
      const json::object& def = child(command, "def");
      if (subtype == "AT_AddColumn") {
        check_add_column(statement, table, is_new, def);
      } else if (subtype == "AT_AddConstraint") {
        check_add_constraint(statement, table, is_new, def);
      } else if (subtype == "AT_DropColumn" || subtype == "AT_DropConstraint") {
        if (expand()) {
          report(statement, "no-drop-in-expand",
                 std::string(subtype == "AT_DropConstraint" ? "DROP CONSTRAINT " : "DROP COLUMN ") +
                     object_name +
                     " removes what replicas of the previous release may still use; stop using "
                     "it in one release, then drop it in a contract migration");
        } else {
          require_declared(statement, object_name);
        }
      } else if (subtype == "AT_AlterColumnType") {
        if (expand()) {
          report(statement, "no-column-type-change",
                 "changing the type of " + object_name +
                     " rewrites the table under an exclusive lock and can break the previous "
                     "release; add a column of the new type, backfill it, and switch over");
        }
      } else if (subtype == "AT_SetNotNull") {
        if (!is_new && std::none_of(validated_tables_.begin(), validated_tables_.end(),
                                    [&](const std::string& t) { return same_name(t, table); })) {
          report(statement, "set-not-null-needs-validated-check",
                 "SET NOT NULL on " + object_name +
                     " scans the table under an exclusive lock; add CHECK (" +
                     std::string(text(command, "name")) +
                     " IS NOT NULL) NOT VALID in an earlier migration, then VALIDATE CONSTRAINT "
                     "it earlier in this file before SET NOT NULL");
        }
      } else if ((subtype == "AT_ColumnDefault" && !command.contains("def")) ||
                 subtype == "AT_DropIdentity" || subtype == "AT_DropExpression") {
        if (expand()) {
          const std::string what = subtype == "AT_ColumnDefault"  ? "DEFAULT"
                                   : subtype == "AT_DropIdentity" ? "IDENTITY"
                                                                  : "EXPRESSION";
          report(statement, "no-drop-in-expand",
                 "DROP " + what + " on " + object_name +
                     " changes what the INSERTs of the previous release get; do it in a "
                     "contract migration");
        }
      } else if (subtype == "AT_ValidateConstraint") {
        validated_tables_.push_back(table);
        if (added_not_valid_.contains(lowered(object_name))) {
          report(statement, "constraint-not-valid",
                 "VALIDATE CONSTRAINT " + std::string(text(command, "name")) +
                     " in the migration that added it NOT VALID runs in the same transaction, "
                     "holding the ADD's lock through the whole scan; validate it in a later "
                     "migration");
        }
      }
    }
  }

  void check_add_column(const ParsedStatement& statement, const std::string& table, bool is_new,
                        const json::object& column) {
    if (is_new) return;
    bool not_null = false;
    bool filled = false;  // by a DEFAULT, GENERATED ... AS IDENTITY or GENERATED ... STORED
    std::string_view index;
    for (const auto& constraint : items(column, "constraints")) {
      const std::string_view type = text(fields_of(constraint), "contype");
      not_null = not_null || type == "CONSTR_NOTNULL" || type == "CONSTR_PRIMARY";
      filled = filled || type == "CONSTR_DEFAULT" || type == "CONSTR_IDENTITY" ||
               type == "CONSTR_GENERATED";
      if (type == "CONSTR_PRIMARY") index = "PRIMARY KEY";
      if (type == "CONSTR_UNIQUE") index = "UNIQUE";
    }
    const std::string name(text(column, "colname"));
    if (not_null && !filled && expand()) {
      report(statement, "add-column-not-null-needs-default",
             "ADD COLUMN " + name +
                 " NOT NULL without a DEFAULT makes the INSERTs of the previous release fail "
                 "(and the ALTER itself on a table with rows); add a DEFAULT, or add the column "
                 "nullable and enforce NOT NULL later through a validated CHECK");
    }
    if (!index.empty()) {
      report(statement, "create-index-concurrently",
             "ADD COLUMN " + name + " " + std::string(index) + " on " + table +
                 " builds an index while blocking writes; add the column, CREATE UNIQUE INDEX "
                 "CONCURRENTLY in a migration of its own, then ADD CONSTRAINT ... USING INDEX");
    }
  }

  void check_add_constraint(const ParsedStatement& statement, const std::string& table, bool is_new,
                            const json::object& constraint) {
    const std::string_view type = text(constraint, "contype");
    const bool not_valid = flag(constraint, "skip_validation");
    const std::string_view name = text(constraint, "conname");
    if (type == "CONSTR_FOREIGN" || type == "CONSTR_CHECK") {
      if (not_valid && !name.empty()) {
        added_not_valid_.insert(lowered(table + "." + std::string(name)));
      }
      if (!is_new && !not_valid) {
        report(statement, "constraint-not-valid",
               "ADD " + std::string(type == "CONSTR_CHECK" ? "CHECK" : "FOREIGN KEY") + " on " +
                   table +
                   " checks every row while holding a lock that blocks writes; add it NOT VALID, "
                   "then VALIDATE CONSTRAINT in a later migration");
      }
    } else if ((type == "CONSTR_PRIMARY" || type == "CONSTR_UNIQUE" ||
                type == "CONSTR_EXCLUSION") &&
               !is_new && text(constraint, "indexname").empty()) {
      const std::string kind = type == "CONSTR_PRIMARY"  ? "PRIMARY KEY"
                               : type == "CONSTR_UNIQUE" ? "UNIQUE"
                                                         : "EXCLUDE";
      report(statement, "create-index-concurrently",
             "ADD " + kind + " on " + table +
                 " builds an index while blocking writes; CREATE UNIQUE INDEX CONCURRENTLY in "
                 "a migration of its own, then ADD CONSTRAINT ... USING INDEX");
    }
  }

  void check_create_index(const ParsedStatement& statement, const json::object& index) {
    if (flag(index, "concurrent")) return;
    const std::string table = relation_name(object(index, "relation"));
    if (table.empty() || created_here(table)) return;
    report(statement, "create-index-concurrently",
           "CREATE INDEX on " + table +
               ", a table this migration did not create, blocks writes to it while the index "
               "builds; use CREATE INDEX CONCURRENTLY IF NOT EXISTS in a migration of its own");
  }

  void read_drop_declarations() {
    for (const auto& comment : parsed_.line_comments) {
      std::string_view text = trimmed(
          std::string_view(file_.sql).substr(comment.begin + 2, comment.end - comment.begin - 2));
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

  void require_declared(const ParsedStatement& statement, const std::string& object) {
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
  const ParsedSql& parsed_;
  std::vector<LintFinding> findings_;
  std::vector<std::string> created_tables_;
  std::vector<std::string> validated_tables_;
  std::set<std::string> added_not_valid_;
  std::vector<DropDeclaration> declarations_;
};

}  // namespace

std::vector<SqlStatement> split_statements(std::string_view sql) {
  auto parsed = parse_sql(sql);
  if (!parsed) return {{std::string(sql), 1}};  // run whole, PostgreSQL reports where it fails
  std::vector<SqlStatement> statements;
  for (const auto& statement : parsed->statements) {
    const SqlSpan& span = statement.span;
    statements.push_back({std::string(sql.substr(span.begin, span.end - span.begin)), span.line});
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
  auto parsed = parse_sql(file.sql);
  if (!parsed) {
    const SqlSyntaxError& error = parsed.error();
    return {{file.name, error.line, "syntax-error",
             error.message + " (column " + std::to_string(error.column) +
                 "); PostgreSQL cannot run this file, and no other rule is checked until it "
                 "parses"}};
  }
  return MigrationLinter(file, *parsed).run();
}

bool must_run_outside_transaction(const SqlStatement& statement) {
  auto parsed = parse_sql(statement.text);
  return parsed && std::any_of(parsed->statements.begin(), parsed->statements.end(),
                               [](const auto& s) { return outside_transaction(s.tree); });
}

}  // namespace tenantry::db
