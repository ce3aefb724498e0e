// Fuzzes the advice rules reader (advisor/rules.h); rules that parse are
// also described and explained, which walks every parsed condition.
#include <cstddef>
#include <cstdint>

#include "advisor/rules.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto rules = statebench::advisor::ParseRules(
      statebench::fuzz::AsString(data, size), "fuzz.yaml");
  if (!rules.ok()) {
    if (rules.status().message().empty()) __builtin_trap();
    return 0;
  }
  for (const statebench::advisor::Rule& rule : rules->rules) {
    (void)statebench::advisor::ExplainRule(rule);
    if (rule.when) (void)statebench::advisor::DescribeCondition(*rule.when);
  }
  (void)statebench::advisor::ExtendRules(statebench::advisor::DefaultRules(),
                                         *rules);
  return 0;
}
