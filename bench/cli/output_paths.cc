#include "bench/cli/output_paths.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include "base/output_file.h"

namespace statebench {

const CLI::Validator& RegularInputFile() {
  static const CLI::Validator kValidator(
      [](std::string& path) -> std::string {
        struct stat st;
        if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode) ||
            S_ISDIR(st.st_mode)) {
          return "";  // absent or a directory: the other checks say so
        }
        const char* kind = S_ISFIFO(st.st_mode)   ? "a FIFO"
                           : S_ISCHR(st.st_mode)  ? "a character device"
                           : S_ISBLK(st.st_mode)  ? "a block device"
                           : S_ISSOCK(st.st_mode) ? "a socket"
                                                  : "not a regular file";
        return "'" + path + "' is " + kind +
               ", not a regular file; inputs are read to their end, which a "
               "pipe or device may never reach: copy it to a file first";
      },
      "");
  return kValidator;
}

void AddOutputIfGiven(CLI::App* sub, const std::string& flag,
                      const std::string& value,
                      std::vector<OutputPath>* outputs) {
  if (sub->count(flag) > 0) outputs->push_back({flag, value, false});
}

Status CheckOutputPaths(const std::vector<OutputPath>& outputs) {
  const OutputPath* to_stdout = nullptr;
  for (const OutputPath& o : outputs) {
    Status s =
        o.directory ? CheckOutputDirectory(o.path) : CheckOutputFile(o.path);
    if (!s.ok()) {
      return Status::InvalidArgument(o.flag + " '" + o.path +
                                     "': " + s.message());
    }
    if (o.directory) continue;
    Result<OutputTarget> target = ClassifyOutput(o.path);
    if (target.ok() && *target == OutputTarget::kStandardOutput) {
      if (to_stdout != nullptr) {
        return Status::InvalidArgument(
            to_stdout->flag + " '" + to_stdout->path + "' and " + o.flag +
            " '" + o.path +
            "' both write to standard output; give one of them a file");
      }
      to_stdout = &o;
    }
  }
  return Status::Ok();
}

bool AnyOutputIsStandardOutput(const std::vector<OutputPath>& outputs) {
  for (const OutputPath& o : outputs) {
    if (o.directory) continue;
    Result<OutputTarget> target = ClassifyOutput(o.path);
    if (target.ok() && *target == OutputTarget::kStandardOutput) return true;
  }
  return false;
}

std::string DescribeOutput(const std::string& path) {
  return path == "-" ? "standard output" : path;
}

}  // namespace statebench
