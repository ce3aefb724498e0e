// The SQL of the postgres backend: tables (created when absent), the check
// that existing tables have this layout, and every prepared statement by
// name. The layout is explained at the top of postgres_backend.cc.
#ifndef STATEBENCH_BACKENDS_POSTGRES_POSTGRES_SCHEMA_H_
#define STATEBENCH_BACKENDS_POSTGRES_POSTGRES_SCHEMA_H_

#include <span>
#include <utility>

namespace statebench::pg {

std::span<const char* const> SchemaStatements();

// A query returning kLayoutColumns when the tables have this layout.
extern const char kLayoutCheck[];
inline constexpr int kLayoutColumns = 6;

// (name, SQL) of every prepared statement.
std::span<const std::pair<const char*, const char*>> PreparedStatements();

}  // namespace statebench::pg

#endif  // STATEBENCH_BACKENDS_POSTGRES_POSTGRES_SCHEMA_H_
