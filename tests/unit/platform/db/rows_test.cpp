#include "platform/db/rows.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cmath>
#include <limits>

#include "platform/db/error.h"

namespace tenantry::db {
namespace {

std::optional<std::string> text_of(const Param& param) {
  if (!param.c_str()) return std::nullopt;
  return std::string(param.c_str());
}

TEST(Param, ConvertsEachTypeToPostgresText) {
  EXPECT_EQ(text_of(Param(42)), "42");
  EXPECT_EQ(text_of(Param(std::int64_t{-9'000'000'000})), "-9000000000");
  EXPECT_EQ(text_of(Param(true)), "t");
  EXPECT_EQ(text_of(Param(false)), "f");
  EXPECT_EQ(text_of(Param(0.25)), "0.25");
  EXPECT_EQ(text_of(Param(std::numeric_limits<double>::infinity())), "Infinity");
  EXPECT_EQ(text_of(Param(std::nan(""))), "NaN");
  EXPECT_EQ(text_of(Param("it's")), "it's");
  EXPECT_EQ(text_of(Param(std::string_view("a\0b", 1))), "a");
  EXPECT_FALSE(Param(std::string_view("a\0b", 1)).holds_nul());  // that is just "a"
  EXPECT_EQ(text_of(Param(std::nullopt)), std::nullopt);
  EXPECT_EQ(text_of(Param(std::optional<int>())), std::nullopt);
  EXPECT_EQ(text_of(Param(std::optional<int>(7))), "7");
  EXPECT_EQ(text_of(Param(*tenancy::TenantId::parse("00000000-0000-4000-8000-00000000000A"))),
            "00000000-0000-4000-8000-00000000000a");
}

TEST(Param, KnowsWhenItsTextHoldsANul) {
  using namespace std::string_literals;
  auto with_nul = "owner@acme.example\0x"s;
  ASSERT_EQ(with_nul.size(), 20u);
  EXPECT_TRUE(Param(with_nul).holds_nul());
  EXPECT_TRUE(Param(std::string_view(with_nul)).holds_nul());
  EXPECT_TRUE(Param(std::optional<std::string>(with_nul)).holds_nul());
  EXPECT_FALSE(Param("owner@acme.example").holds_nul());
  EXPECT_FALSE(Param(std::nullopt).holds_nul());
}

// A result built in memory, as libpq would hand it over.
Rows make_rows(std::vector<std::vector<const char*>> cells) {
  PGresult* result = PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK);
  PGresAttDesc columns[2] = {};
  columns[0].name = const_cast<char*>("n");
  columns[1].name = const_cast<char*>("s");
  PQsetResultAttrs(result, 2, columns);
  for (int r = 0; r < static_cast<int>(cells.size()); ++r) {
    for (int c = 0; c < 2; ++c) {
      const char* value = cells[r][c];
      PQsetvalue(result, r, c, const_cast<char*>(value),
                 value ? static_cast<int>(strlen(value)) : -1);
    }
  }
  return Rows(result);
}

TEST(Rows, ReadsTypedValuesByIndexAndByName) {
  auto rows = make_rows({{"12", "t"}, {nullptr, "hello"}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0].as<int>(), 12);
  EXPECT_EQ(rows[0]["n"].as<std::int64_t>(), 12);
  EXPECT_EQ(rows[0][0].as<double>(), 12.0);
  EXPECT_TRUE(rows[0]["s"].as<bool>());
  EXPECT_TRUE(rows[1][0].is_null());
  EXPECT_EQ(rows[1][0].as<std::optional<int>>(), std::nullopt);
  EXPECT_EQ(rows[0][0].as<std::optional<int>>(), 12);
  EXPECT_EQ(rows[1]["s"].as<std::string>(), "hello");
  int seen = 0;
  for (auto row : rows) seen += row[1].is_null() ? 0 : 1;
  EXPECT_EQ(seen, 2);
}

TEST(Rows, ReadingAsTheWrongTypeIsAProgrammerError) {
  auto rows = make_rows({{"12x", "maybe"}, {nullptr, "x"}});
  EXPECT_THROW(rows[0][0].as<int>(), std::logic_error);
  EXPECT_THROW(rows[0][1].as<bool>(), std::logic_error);
  EXPECT_THROW(rows[1][0].as<std::string>(), std::logic_error);
  EXPECT_THROW(rows[0]["missing"], std::logic_error);
}

TEST(Error, ClassifiesSqlStates) {
  EXPECT_EQ(kind_of_sqlstate("23505"), ErrorKind::kConstraint);
  EXPECT_EQ(kind_of_sqlstate("40001"), ErrorKind::kSerialization);
  EXPECT_EQ(kind_of_sqlstate("40P01"), ErrorKind::kSerialization);
  EXPECT_EQ(kind_of_sqlstate("42501"), ErrorKind::kPermission);
  EXPECT_EQ(kind_of_sqlstate("57014"), ErrorKind::kTimeout);
  EXPECT_EQ(kind_of_sqlstate("55P03"), ErrorKind::kTimeout);
  EXPECT_EQ(kind_of_sqlstate("57P01"), ErrorKind::kUnavailable);
  EXPECT_EQ(kind_of_sqlstate("53300"), ErrorKind::kUnavailable);
  EXPECT_EQ(kind_of_sqlstate("08006"), ErrorKind::kConnection);
  EXPECT_EQ(kind_of_sqlstate("22P02"), ErrorKind::kData);
  EXPECT_EQ(kind_of_sqlstate("42P01"), ErrorKind::kQuery);
  EXPECT_EQ(kind_of_sqlstate("TN001"), ErrorKind::kTenantInactive);
  EXPECT_TRUE(Error{ErrorKind::kPoolTimeout}.unavailable());
  EXPECT_FALSE(Error{ErrorKind::kConstraint}.unavailable());
  EXPECT_EQ(error_class(ErrorKind::kPoolTimeout), "pool_timeout");
}

TEST(Error, UsingTheValueOfAFailedResultThrows) {
  Result<int> failed = Error{ErrorKind::kQuery, "42P01", "no such table"};
  EXPECT_THROW(failed.value(), std::logic_error);
}

}  // namespace
}  // namespace tenantry::db
