// Internal to advisor/: the "what would change the answer" search.
//
// Tries one requirement change at a time — numeric requirements scaled by
// 1.5x..1000x up and down, nodes, toggles (exactly_once, managed services,
// tolerated data loss) and each team skill level — nearest first, and keeps
// the nearest change per requirement that makes a different backend (or no
// backend) the top choice. Distance: |log2(factor)| for numbers, level
// steps for skills, 1 for a toggle.
#ifndef STATEBENCH_ADVISOR_WHAT_IF_H_
#define STATEBENCH_ADVISOR_WHAT_IF_H_

#include <string>
#include <vector>

#include "advisor/advisor.h"

namespace statebench::advisor {

// At most `max` changes, nearest first.
std::vector<WhatIf> FindWhatWouldChange(
    const Profile& profile, const std::vector<BackendMeasurement>& measurements,
    const RuleSet& rules, const std::string& current_top, size_t max);

}  // namespace statebench::advisor

#endif  // STATEBENCH_ADVISOR_WHAT_IF_H_
