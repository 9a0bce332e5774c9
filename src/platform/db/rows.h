// Typed parameters and results. Both travel in PostgreSQL's text format:
// every type has one canonical text form that the server parses and prints
// itself, so there is no per-type binary codec to get wrong (byte order,
// OIDs, numeric and timestamp layouts), and it behaves the same through
// PgBouncer. Parameters are sent untyped (OID 0): the server types each
// `$n` from its context, and SQL says `$n::type` where the context does not.
// The conversions cost less than a microsecond per value; a round trip
// costs tens of microseconds (see bench/db-tenant-read).
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "platform/tenancy/tenant_id.h"

struct pg_result;

namespace tenantry::db {

// One parameter, converted to text when the call is made.
class Param {
 public:
  Param(std::nullopt_t) {}
  Param(std::string_view text) : text_(text) {}
  Param(const std::string& text) : text_(text) {}
  Param(const char* text) : text_(std::string(text)) {}
  Param(const tenancy::TenantId& tenant) : text_(tenant.str()) {}
  Param(const base::Uuid& id) : text_(id.str()) {}
  Param(bool value) : text_(value ? "t" : "f") {}
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) Param(T value) {
    char buffer[24];
    auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    text_.emplace(buffer, end);
  }
  Param(double value);
  template <typename T>
  Param(const std::optional<T>& value) {
    if (value) text_ = Param(*value).text_;
  }

  // nullptr for SQL NULL.
  const char* c_str() const { return text_ ? text_->c_str() : nullptr; }
  // PostgreSQL text cannot hold a NUL, and libpq would cut the value at it
  // (it takes text parameters as C strings): such a parameter is refused.
  bool holds_nul() const { return text_ && text_->find('\0') != std::string::npos; }

 private:
  std::optional<std::string> text_;
};

// A column value in one row. as<T>() on a NULL or on text that is not a T
// throws std::logic_error: reading a column as the wrong type is a bug, and
// the server answers it with a 500.
class Field {
 public:
  Field(const pg_result* result, int row, int column)
      : result_(result), row_(row), column_(column) {}

  bool is_null() const;
  std::string_view text() const;  // "" for NULL
  template <typename T>
  T as() const;

 private:
  [[noreturn]] void wrong_type(std::string_view wanted) const;
  const pg_result* result_;
  int row_;
  int column_;
};

class Row {
 public:
  Row(const pg_result* result, int row) : result_(result), row_(row) {}
  Field operator[](int column) const { return Field(result_, row_, column); }
  // Throws std::logic_error when there is no such column.
  Field operator[](std::string_view column) const;

 private:
  const pg_result* result_;
  int row_;
};

// The outcome of one statement: its rows (if any) and how many rows it
// touched.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result);

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  Row operator[](std::size_t row) const { return Row(result_.get(), static_cast<int>(row)); }
  // Rows inserted, updated, deleted or selected, as the server reported.
  std::uint64_t affected() const;

  class iterator {
   public:
    iterator(const pg_result* result, int row) : result_(result), row_(row) {}
    Row operator*() const { return Row(result_, row_); }
    iterator& operator++() {
      ++row_;
      return *this;
    }
    bool operator==(const iterator& other) const { return row_ == other.row_; }

   private:
    const pg_result* result_;
    int row_;
  };
  iterator begin() const { return iterator(result_.get(), 0); }
  iterator end() const { return iterator(result_.get(), static_cast<int>(size())); }

 private:
  struct Clear {
    void operator()(pg_result* result) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<std::optional<T>> : std::true_type {};

template <typename T>
T Field::as() const {
  if constexpr (is_optional<T>::value) {
    if (is_null()) return std::nullopt;
    return as<typename T::value_type>();
  } else {
    if (is_null()) wrong_type("a value, got NULL");
    auto text = this->text();
    if constexpr (std::same_as<T, std::string>) {
      return std::string(text);
    } else if constexpr (std::same_as<T, std::string_view>) {
      return text;
    } else if constexpr (std::same_as<T, bool>) {
      if (text == "t") return true;
      if (text == "f") return false;
      wrong_type("bool");
    } else if constexpr (std::integral<T> || std::floating_point<T>) {
      T value{};
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size()) wrong_type("a number");
      return value;
    } else {
      static_assert(std::is_void_v<T>, "Field::as<T>: unsupported type");
    }
  }
}

}  // namespace tenantry::db
