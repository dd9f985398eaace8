// -----------------------------------------------------------------------------
// File: status_macros.h
// -----------------------------------------------------------------------------
//
// RETURN_IF_ERROR and ASSIGN_OR_RETURN. Debian's Abseil 20220623 has no
// status_macros.h of its own, so Berth carries these two.

#ifndef ENGINE_BASE_STATUS_MACROS_H_
#define ENGINE_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// RETURN_IF_ERROR(expr)
//
// Evaluates `expr`, an `absl::Status`, and returns it from the enclosing
// function if it is not OK.
#define RETURN_IF_ERROR(expr)                                  \
  do {                                                         \
    ::absl::Status berth_status_ = (expr);                     \
    if (!berth_status_.ok()) return berth_status_;             \
  } while (0)

#define BERTH_CONCAT_INNER_(a, b) a##b
#define BERTH_CONCAT_(a, b) BERTH_CONCAT_INNER_(a, b)

// ASSIGN_OR_RETURN(lhs, expr)
//
// Evaluates `expr`, an `absl::StatusOr<T>`; on error returns its status from
// the enclosing function, else moves the value into `lhs` (which may be a
// declaration such as `auto x`).
#define ASSIGN_OR_RETURN(lhs, expr) \
  BERTH_ASSIGN_OR_RETURN_IMPL_(BERTH_CONCAT_(berth_statusor_, __LINE__), lhs, expr)

#define BERTH_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // ENGINE_BASE_STATUS_MACROS_H_
