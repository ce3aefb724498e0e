// Fuzz builds only: the redis URI target links redis_uri.cc and
// server_common.cc (for RedactUri) without the rest of the backends, which
// the parser never reaches. server_common.cc's StateCatalog needs this one
// symbol from registry.cc (which would pull in every backend).
#include <cstdlib>

#include "backends/registry.h"

namespace statebench {

std::string_view StateKindName(StateKind) { std::abort(); }

}  // namespace statebench
