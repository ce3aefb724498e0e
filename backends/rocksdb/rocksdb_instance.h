// One open RocksDB database with a column family per state. Internal to
// backends/.
//
// Ownership: held through std::shared_ptr by the backend and by in-flight
// async snapshots, so the database (and the column family handles the
// snapshot iterates) outlives whichever finishes last. The destructor
// releases the handles and closes the database.
//
// Thread safety: db() is thread-safe as RocksDB is. AddState and Handle are
// called from the subtask thread only.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_INSTANCE_H_
#define STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_INSTANCE_H_

#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/rocksdb/rocksdb_options.h"
#include "backends/state_backend.h"
#include "base/status.h"

namespace statebench {

struct StateSpec {
  std::string name;
  StateKind kind = StateKind::kValue;
};

// Converts a RocksDB status, prefixing `context`.
Status FromRocks(const rocksdb::Status& s, std::string_view context);

// The column family that holds state `state_name` ("default" stays unused so
// that any valid state name is possible).
std::string ColumnFamilyName(std::string_view state_name);

class RocksDbInstance {
 public:
  // Opens the database in `dir`, creating it and any missing column family.
  // Every column family already in `dir` must belong to one of `states`
  // (else Corruption: the directory is not what its metadata says).
  // `read_only` opens an existing database for iteration only.
  static Result<std::shared_ptr<RocksDbInstance>> Open(
      const std::string& dir, std::shared_ptr<const RocksDbResources> res,
      const std::vector<StateSpec>& states, bool read_only);

  ~RocksDbInstance();
  RocksDbInstance(const RocksDbInstance&) = delete;
  RocksDbInstance& operator=(const RocksDbInstance&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  const std::string& dir() const { return dir_; }
  // The handle of a state opened or added; null if absent.
  rocksdb::ColumnFamilyHandle* Handle(std::string_view state_name) const;
  Result<rocksdb::ColumnFamilyHandle*> AddState(const StateSpec& spec);

 private:
  RocksDbInstance() = default;

  std::string dir_;
  std::shared_ptr<const RocksDbResources> res_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<std::string> names_;  // state name per handle
  std::vector<std::unique_ptr<rocksdb::ColumnFamilyHandle>> handles_;
  rocksdb::ColumnFamilyHandle* default_handle_ = nullptr;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_INSTANCE_H_
