// Accessors of Request, and the check of every text input it carries.
#include "platform/http/message.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <set>

#include "platform/base/text.h"

namespace tenantry::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls visit(name, value) for each decoded pair of `a=1&b=2`, until it
// returns false.
template <typename Visit>
void for_each_field(std::string_view encoded, Visit visit) {
  std::string_view rest = encoded;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (!visit(percent_decode(pair.substr(0, eq), true), value)) return;
  }
}

std::optional<InvalidInput> check(std::string_view text, std::string_view field,
                                  base::TextKind kind) {
  auto problem = base::text_problem(text, kind);
  if (!problem) return std::nullopt;
  // A name that is itself not clean text is not quoted back.
  bool printable_name = field.size() <= 64 && !base::text_problem(field, base::TextKind::kIdentifier);
  return InvalidInput{printable_name ? std::string(field) : std::string("(a field name)"),
                      std::string(*problem)};
}

std::optional<InvalidInput> check_fields(std::string_view encoded, bool unique) {
  std::optional<InvalidInput> bad;
  std::set<std::string, std::less<>> seen;
  for_each_field(encoded, [&](const std::string& name, std::string_view value) {
    bad = check(name, name, base::TextKind::kIdentifier);
    if (!bad) bad = check(percent_decode(value, true), name, base::TextKind::kText);
    if (!bad && unique && !seen.insert(name).second) bad = InvalidInput{name, "is repeated"};
    return !bad;
  });
  return bad;
}

std::optional<InvalidInput> check_json(const boost::json::value& value, const std::string& path) {
  if (value.is_string())
    return check(value.get_string(), path.empty() ? "body" : path, base::TextKind::kText);
  if (value.is_array()) {
    const auto& array = value.get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (auto bad = check_json(array[i], path + "[" + std::to_string(i) + "]")) return bad;
    }
  }
  if (value.is_object()) {
    for (const auto& member : value.get_object()) {
      auto name = path.empty() ? std::string(member.key()) : path + "." + std::string(member.key());
      if (auto bad = check(member.key(), name, base::TextKind::kIdentifier)) return bad;
      if (auto bad = check_json(member.value(), name)) return bad;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view origin_path(std::string_view target) {
  target = target.substr(0, target.find('?'));
  if (target.starts_with('/')) return target;
  auto scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return target;
  std::string scheme(target.substr(0, scheme_end));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return target;
  auto path = target.find('/', scheme_end + 3);
  return path == std::string_view::npos ? std::string_view("/") : target.substr(path);
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

std::optional<std::string_view> Request::param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  return form_field(query, name);
}

std::optional<std::string> Request::form_param(std::string_view name) const {
  if (!is_form_media_type(media_type())) return std::nullopt;
  return form_field(body, name);
}

std::string Request::media_type() const {
  auto value = header("content-type");
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  std::string out(value);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> form_field(std::string_view encoded, std::string_view name) {
  std::optional<std::string> found;
  for_each_field(encoded, [&](const std::string& key, std::string_view value) {
    if (key == name) found = percent_decode(value, true);
    return !found;
  });
  return found;
}

bool is_form_media_type(std::string_view media_type) {
  return media_type == "application/x-www-form-urlencoded";
}

bool is_json_media_type(std::string_view media_type) {
  return media_type == "application/json" ||
         (media_type.starts_with("application/") && media_type.ends_with("+json"));
}

std::optional<InvalidInput> find_invalid_input(const Request& request) {
  for (const auto& [name, value] : request.params) {
    if (auto bad = check(value, name, base::TextKind::kIdentifier)) return bad;
  }
  if (auto bad = check_fields(request.query, /*unique=*/false)) return bad;
  if (request.body.empty()) return std::nullopt;
  auto media = request.media_type();
  if (is_form_media_type(media)) return check_fields(request.body, /*unique=*/true);
  if (is_json_media_type(media)) {
    boost::system::error_code ec;
    auto value = boost::json::parse(request.body, ec);
    // Malformed JSON is the handler's to refuse; its bytes are still checked.
    if (!ec) return check_json(value, "");
  }
  return check(request.body, "body", base::TextKind::kText);
}

void no_store(Response& response) {
  constexpr std::string_view kName = "cache-control";
  for (const auto& [name, value] : response.headers) {
    if (name.size() == kName.size() &&
        std::equal(name.begin(), name.end(), kName.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
      return;
  }
  response.with_header("Cache-Control", "no-store");
}

}  // namespace tenantry::http
