// core/status_macros.h: early-return helpers for absl::Status and StatusOr.
//
// Debian's Abseil 20220623 ships neither absl/log nor status macros, so dagrad
// defines its own.
//
// Example:
//   absl::StatusOr<Shape> InferShape(...);
//   absl::Status AddNode(...) {
//     ASSIGN_OR_RETURN(Shape out, InferShape(...));
//     RETURN_IF_ERROR(CheckSomething(out));
//     return absl::OkStatus();
//   }
#ifndef DAGRAD_CORE_STATUS_MACROS_H_
#define DAGRAD_CORE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define DAGRAD_STATUS_CONCAT_INNER_(a, b) a##b
#define DAGRAD_STATUS_CONCAT_(a, b) DAGRAD_STATUS_CONCAT_INNER_(a, b)

// RETURN_IF_ERROR(expr) evaluates `expr` (an absl::Status) once and returns it
// from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status dagrad_status_ = (expr);          \
    if (!dagrad_status_.ok()) return dagrad_status_; \
  } while (false)

// ASSIGN_OR_RETURN(lhs, expr) evaluates `expr` (an absl::StatusOr<T>) once.
// On error it returns the status from the enclosing function; otherwise it
// moves the value into `lhs`, which may be a declaration (`Shape s`).
#define ASSIGN_OR_RETURN(lhs, expr) \
  DAGRAD_ASSIGN_OR_RETURN_IMPL_(    \
      DAGRAD_STATUS_CONCAT_(dagrad_statusor_, __LINE__), lhs, expr)

#define DAGRAD_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // DAGRAD_CORE_STATUS_MACROS_H_
