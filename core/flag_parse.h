// core/flag_parse.h: the body of an AbslParseFlag() for a type that has a
// parser returning absl::StatusOr.
//
// An Abseil flag of a user type T needs
//   bool AbslParseFlag(absl::string_view text, T* value, std::string* error);
// in T's namespace (absl/flags/marshalling.h). ParseFlagWith() turns a
// StatusOr parse into that contract: on success it stores the value and
// returns true; on error it leaves `value` unchanged, sets `error` to the
// status message and returns false.
//
// Example:
//   bool AbslParseFlag(absl::string_view text, OptimizerKind* kind,
//                      std::string* error) {
//     return ParseFlagWith(ParseOptimizerKind(text), kind, error);
//   }
#ifndef DAGRAD_CORE_FLAG_PARSE_H_
#define DAGRAD_CORE_FLAG_PARSE_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace dagrad {

template <typename T>
bool ParseFlagWith(absl::StatusOr<T> parsed, T* value, std::string* error) {
  if (!parsed.ok()) {
    *error = std::string(parsed.status().message());
    return false;
  }
  *value = *std::move(parsed);
  return true;
}

}  // namespace dagrad

#endif  // DAGRAD_CORE_FLAG_PARSE_H_
