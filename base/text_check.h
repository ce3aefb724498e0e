// Checks on text read from input files and flags (part of statebench_base).
//
// Every string statebench reads may end up in a results file, which is JSON
// and therefore UTF-8; and no input string needs to be megabytes long. These
// checks let each reader refuse such input where it is read, with a position,
// before anything is measured.
#ifndef STATEBENCH_BASE_TEXT_CHECK_H_
#define STATEBENCH_BASE_TEXT_CHECK_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace statebench {

// Longest string value accepted from a flag, a workload or property file, a
// profile, a rules file or a results file, unless a reader documents a
// smaller one. File paths (PATH_MAX is 4096) fit.
inline constexpr size_t kMaxInputStringBytes = 4096;

// Offset of the first byte of `text` that does not start or continue a
// well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), or nullopt when all of `text` is UTF-8.
std::optional<size_t> FirstInvalidUtf8(std::string_view text);

// `text` without leading and trailing white space (isspace).
std::string_view TrimSpace(std::string_view text);

// `text` with ASCII letters lower-cased (option values, units, names).
std::string AsciiLower(std::string_view text);

// 1-based line and column of byte `offset` of `text`.
std::pair<size_t, size_t> LineColumnAt(std::string_view text, size_t offset);

// InvalidArgument "origin:line:col: byte 0xE9 is not valid UTF-8; ..." for
// the first invalid byte of a text file, or OK.
Status CheckUtf8File(std::string_view text, std::string_view origin);

// 1-based line of the "---" (or "...") marker that ends the first YAML
// document of `text` and opens a second one, or 0 when there is none.
size_t SecondYamlDocumentLine(std::string_view text);

}  // namespace statebench

#endif  // STATEBENCH_BASE_TEXT_CHECK_H_
