// YCSB core workloads on keyed state.
//
// Mapping (one map state named by YCSB's "table", default "usertable"):
//   record       key = YCSB's key name ("user" + fnvhash64(keynum), or the
//                plain keynum with insertorder=ordered, zero-padded to
//                zeropadding digits; key_size is not used); namespace void;
//                the record's fields are map entries field0 ... field{n-1}
//                with fieldlength-byte random values.
//   load/insert  fieldcount map_puts (one event per record).
//   read         readallfields=true: map_scan of the whole record;
//                false: map_get of one random field.
//   update       writeallfields=false: map_put of one random field;
//                true: map_put of every field.
//   scan         a start record from requestdistribution and a length from
//                scanlengthdistribution in [minscanlength, maxscanlength];
//                then a read (as above) of each of the records start,
//                start + 1, ... (by record number, YCSB's insertion order),
//                stopping at the last inserted record. Keyed state has no
//                order across keys, so a scan is one read per record, each
//                routed to the subtask that owns that record.
//   rmw          a read followed by an update of the same record.
// Requests use YCSB's generators: scrambled zipfian (ranks from YCSB's
// 10^10-item space, as ScrambledZipfianGenerator) over a key space grown
// by the expected inserts (2 x insertproportion x operationcount, or x
// recordcount when the run is unbounded), latest (zipfian from the newest
// record back), hotspot, uniform, sequential, exponential.
//
// Thread safety: the functions are reentrant.
#ifndef STATEBENCH_WORKLOADS_YCSB_H_
#define STATEBENCH_WORKLOADS_YCSB_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "workloads/workload.h"

namespace statebench {

struct YcsbPropertyFile {
  WorkloadSpec spec;  // name "ycsb", with the file's properties applied
  // One line per property that statebench does not use, e.g.
  // "workloada:31: property 'threadcount' has no statebench equivalent;
  // ignored".
  std::vector<std::string> notes;
  // Dotted names of the spec fields the file's properties set (e.g.
  // "key_count", "ycsb.read_proportion").
  std::set<std::string> fields_set;
};

// Whether `text` reads as a YCSB property file rather than YAML: key=value
// lines ('#' and '!' comments) and no YAML section header ("name:" alone on
// a line). Used to accept YCSB's own workload files where a workload file
// is expected.
bool LooksLikeYcsbProperties(std::string_view text);

// Applies the YCSB properties in `text` (Java .properties syntax: key=value,
// key: value or key value; '#' and '!' comments; '\' continues a line) to
// `base` (normally DefaultWorkloadSpec("ycsb"), which holds CoreWorkload's
// defaults). `source` names the text in messages ("file:line: ...").
// recordcount -> key_count, operationcount -> run_events, the proportions,
// distributions and field/scan settings -> spec.ycsb and key_distribution.
// A bad value, an unsupported choice (fieldlengthdistribution=histogram, a
// workload class other than CoreWorkload) or a spec that fails validation
// is InvalidArgument naming source:line.
Result<YcsbPropertyFile> ParseYcsbProperties(std::string_view text,
                                             std::string_view source,
                                             const WorkloadSpec& base);
// Reads `path` and parses it as above; NotFound/IoError from reading.
Result<YcsbPropertyFile> LoadYcsbPropertyFile(const std::string& path,
                                              const WorkloadSpec& base);

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_YCSB_H_
