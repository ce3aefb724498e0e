// Internal to backends/: the unfinished temporary files of OutputFile
// (output_file.cc), removed by RemoveTempDirectoriesSignalSafe()
// (file_util.h) when a signal ends the process mid-write.
#ifndef STATEBENCH_BASE_OUTPUT_TEMPORARIES_H_
#define STATEBENCH_BASE_OUTPUT_TEMPORARIES_H_

namespace statebench {

// Unlinks every temporary file this process is writing and has not yet
// renamed over its target, with async-signal-safe calls only. The targets
// keep their old contents.
void RemoveOutputTemporariesSignalSafe();

}  // namespace statebench

#endif  // STATEBENCH_BASE_OUTPUT_TEMPORARIES_H_
