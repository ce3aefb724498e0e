#include "backends/postgres/postgres_schema.h"

namespace statebench::pg {
namespace {

constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS sb_state (job text NOT NULL, kg integer NOT "
    "NULL, state text NOT NULL, kdig bytea NOT NULL, ndig bytea NOT NULL, "
    "ukey bytea NOT NULL, key bytea NOT NULL, ns bytea NOT NULL, value bytea "
    "NOT NULL, PRIMARY KEY (job, kg, state, kdig, ndig, ukey))",
    "CREATE TABLE IF NOT EXISTS sb_list (job text NOT NULL, kg integer NOT "
    "NULL, state text NOT NULL, kdig bytea NOT NULL, ndig bytea NOT NULL, "
    "seq bigserial, key bytea NOT NULL, ns bytea NOT NULL, value bytea NOT "
    "NULL, base bigint NOT NULL, PRIMARY KEY (job, kg, state, kdig, ndig, "
    "seq))",
    "CREATE TABLE IF NOT EXISTS sb_checkpoint (job text NOT NULL, kg_start "
    "integer NOT NULL, kg_end integer NOT NULL, checkpoint_id bigint NOT "
    "NULL, undo_from bigint NOT NULL, synchronous_commit text NOT NULL, "
    "committed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (job, "
    "kg_start, kg_end))",
    "CREATE TABLE IF NOT EXISTS sb_undo (job text NOT NULL, kg_start integer "
    "NOT NULL, kg_end integer NOT NULL, base bigint NOT NULL, kg integer NOT "
    "NULL, state text NOT NULL, kdig bytea NOT NULL, ndig bytea NOT NULL, "
    "ukey bytea NOT NULL, key bytea NOT NULL, ns bytea NOT NULL, value bytea, "
    "PRIMARY KEY (job, kg_start, kg_end, base, kg, state, kdig, ndig, ukey))",
    "CREATE TABLE IF NOT EXISTS sb_undo_list (job text NOT NULL, kg_start "
    "integer NOT NULL, kg_end integer NOT NULL, undo_base bigint NOT NULL, kg "
    "integer NOT NULL, state text NOT NULL, kdig bytea NOT NULL, ndig bytea "
    "NOT NULL, seq bigint NOT NULL, key bytea NOT NULL, ns bytea NOT NULL, "
    "value bytea NOT NULL, base bigint NOT NULL, PRIMARY KEY (job, kg_start, "
    "kg_end, undo_base, kg, state, kdig, ndig, seq))",
};

// The entry addressed by $1 job, $2 kg, $3 state, $4 key, $5 namespace.
#define SB_ENTRY                                                          \
  "job = $1 AND kg = $2 AND state = $3 AND kdig = sha256($4) AND ndig = " \
  "sha256($5)"

// The old image of the entry (NULL: absent), saved before its first change
// in an interval: $8 kg_start, $9 kg_end of the writer, $10 the interval's
// base checkpoint (for sb_delete_undo: $7, $8, $9). The first image of an
// interval wins (ON CONFLICT DO NOTHING).
#define SB_SAVE_UNDO(KG_START, KG_END, BASE)                                \
  "WITH undo AS (INSERT INTO sb_undo (job, kg_start, kg_end, base, kg, "    \
  "state, kdig, ndig, ukey, key, ns, value) SELECT $1::text, " KG_START     \
  "::integer, " KG_END "::integer, " BASE                                   \
  "::bigint, $2::integer, $3::text, sha256($4::bytea), sha256($5::bytea), " \
  "$6::bytea, $4::bytea, $5::bytea, (SELECT value FROM sb_state "           \
  "WHERE " SB_ENTRY " AND ukey = $6) ON CONFLICT DO NOTHING) "

#define SB_UPSERT                                                            \
  "INSERT INTO sb_state (job, kg, state, kdig, ndig, ukey, key, ns, value) " \
  "VALUES ($1, $2, $3, sha256($4), sha256($5), $6, $4, $5, $7) ON CONFLICT " \
  "(job, kg, state, kdig, ndig, ukey) DO UPDATE SET value = EXCLUDED.value " \
  "RETURNING (xmax = 0)"

// Rows deleted from sb_list that an earlier interval appended, saved for
// undo: $1 job, then KG_START, KG_END, BASE parameters.
#define SB_SAVE_LIST_UNDO(KG_START, KG_END, BASE)                            \
  "INSERT INTO sb_undo_list (job, kg_start, kg_end, undo_base, kg, state, "  \
  "kdig, ndig, seq, key, ns, value, base) SELECT $1::text, " KG_START        \
  "::integer, " KG_END "::integer, " BASE                                    \
  "::bigint, kg, state, kdig, ndig, seq, key, ns, value, base FROM d WHERE " \
  "base < " BASE "::bigint ON CONFLICT DO NOTHING"

constexpr std::pair<const char*, const char*> kStatements[] = {
    {"sb_get", "SELECT value FROM sb_state WHERE " SB_ENTRY " AND ukey = $6"},
    {"sb_put", SB_UPSERT},
    {"sb_put_undo", SB_SAVE_UNDO("$8", "$9", "$10") SB_UPSERT},
    {"sb_delete", "DELETE FROM sb_state WHERE " SB_ENTRY " AND ukey = $6"},
    {"sb_delete_undo",
     SB_SAVE_UNDO("$7", "$8", "$9") "DELETE FROM sb_state WHERE " SB_ENTRY
                                    " AND ukey = $6"},
    {"sb_scan", "SELECT ukey, value FROM sb_state WHERE " SB_ENTRY
                " AND ukey >= $6 ORDER BY ukey LIMIT $7"},
    {"sb_scan_to", "SELECT ukey, value FROM sb_state WHERE " SB_ENTRY
                   " AND ukey >= $6 AND ukey < $7 ORDER BY ukey LIMIT $8"},
    {"sb_list_append",
     "INSERT INTO sb_list (job, kg, state, kdig, ndig, key, ns, value, base) "
     "VALUES ($1, $2, $3, sha256($4), sha256($5), $4, $5, $6, $7)"},
    {"sb_list_get",
     "SELECT value FROM sb_list WHERE " SB_ENTRY " ORDER BY seq"},
    {"sb_list_clear", "DELETE FROM sb_list WHERE " SB_ENTRY},
    {"sb_list_clear_undo", "WITH d AS (DELETE FROM sb_list WHERE " SB_ENTRY
                           " RETURNING *), u AS (" SB_SAVE_LIST_UNDO(
                               "$6", "$7", "$8") ") SELECT count(*) FROM d"},
    // The checkpoint row of [$2, $3]; undo images older than $5 (the last
    // completed checkpoint) are pruned in the same statement.
    {"sb_ckpt_put",
     "WITH p1 AS (DELETE FROM sb_undo WHERE job = $1 AND kg_start = $2 AND "
     "kg_end = $3 AND base < $5), p2 AS (DELETE FROM sb_undo_list WHERE job = "
     "$1 AND kg_start = $2 AND kg_end = $3 AND undo_base < $5) INSERT INTO "
     "sb_checkpoint (job, kg_start, kg_end, checkpoint_id, undo_from, "
     "synchronous_commit, committed_at) VALUES ($1, $2, $3, $4, $5, $6, "
     "now()) ON CONFLICT (job, kg_start, kg_end) DO UPDATE SET checkpoint_id "
     "= EXCLUDED.checkpoint_id, undo_from = EXCLUDED.undo_from, "
     "synchronous_commit = EXCLUDED.synchronous_commit, committed_at = now()"},
    // Checkpoint rows whose range overlaps [$2, $3], locked for a restore.
    {"sb_ckpt_lock",
     "SELECT kg_start, kg_end, checkpoint_id, undo_from FROM sb_checkpoint "
     "WHERE job = $1 AND kg_start <= $3 AND kg_end >= $2 FOR UPDATE"},
    {"sb_ckpt_set",
     "UPDATE sb_checkpoint SET checkpoint_id = $4 WHERE job = $1 AND "
     "kg_start >= $2 AND kg_end <= $3 AND checkpoint_id > $4"},
    // A fresh job drops earlier runs' rows in its range.
    {"sb_clear_state",
     "DELETE FROM sb_state WHERE job = $1 AND kg BETWEEN $2 AND $3"},
    {"sb_clear_list",
     "DELETE FROM sb_list WHERE job = $1 AND kg BETWEEN $2 AND $3"},
    {"sb_clear_undo",
     "DELETE FROM sb_undo WHERE job = $1 AND kg BETWEEN $2 AND $3"},
    {"sb_clear_undo_list",
     "DELETE FROM sb_undo_list WHERE job = $1 AND kg BETWEEN $2 AND $3"},
    // Checkpoint rows overlapping the range, in a short transaction of its
    // own: in the interval's transaction, two subtasks deleting one row
    // would wait for each other until a checkpoint.
    {"sb_clear_ckpt",
     "DELETE FROM sb_checkpoint WHERE job = $1 AND kg_start <= $3 AND kg_end "
     ">= $2"},
    // A restored instance empties the key groups its restore did not cover,
    // keeping undo images: $4 kg_start, $5 kg_end, $6 base.
    {"sb_clear_state_undo",
     "WITH d AS (DELETE FROM sb_state WHERE job = $1 AND kg BETWEEN $2 AND $3 "
     "RETURNING *) INSERT INTO sb_undo (job, kg_start, kg_end, base, kg, "
     "state, kdig, ndig, ukey, key, ns, value) SELECT $1::text, $4::integer, "
     "$5::integer, $6::bigint, kg, state, kdig, ndig, ukey, key, ns, value "
     "FROM d ON CONFLICT DO NOTHING"},
    {"sb_clear_list_undo",
     "WITH d AS (DELETE FROM sb_list WHERE job = $1 AND kg BETWEEN $2 AND $3 "
     "RETURNING *) " SB_SAVE_LIST_UNDO("$4", "$5", "$6")},
    // Reverting key groups [$2, $3] to checkpoint $4: the oldest image of
    // every entry changed after it, list rows appended after it removed,
    // list rows cleared after it put back, the used images dropped.
    {"sb_revert_state",
     "WITH u AS (SELECT DISTINCT ON (kg, state, kdig, ndig, ukey) kg, state, "
     "kdig, ndig, ukey, key, ns, value FROM sb_undo WHERE job = $1 AND kg "
     "BETWEEN $2 AND $3 AND base >= $4 ORDER BY kg, state, kdig, ndig, ukey, "
     "base), del AS (DELETE FROM sb_state s USING u WHERE s.job = $1 AND s.kg "
     "= u.kg AND s.state = u.state AND s.kdig = u.kdig AND s.ndig = u.ndig AND "
     "s.ukey = u.ukey AND u.value IS NULL) INSERT INTO sb_state (job, kg, "
     "state, kdig, ndig, ukey, key, ns, value) SELECT $1, kg, state, kdig, "
     "ndig, ukey, key, ns, value FROM u WHERE value IS NOT NULL ON CONFLICT "
     "(job, kg, state, kdig, ndig, ukey) DO UPDATE SET value = "
     "EXCLUDED.value"},
    {"sb_revert_list_appends",
     "DELETE FROM sb_list WHERE job = $1 AND kg BETWEEN $2 AND $3 AND base >= "
     "$4"},
    {"sb_revert_list_clears",
     "INSERT INTO sb_list (job, kg, state, kdig, ndig, seq, key, ns, value, "
     "base) SELECT job, kg, state, kdig, ndig, seq, key, ns, value, base FROM "
     "sb_undo_list WHERE job = $1 AND kg BETWEEN $2 AND $3 AND undo_base >= "
     "$4 AND base < $4 ON CONFLICT DO NOTHING"},
    {"sb_revert_drop_undo",
     "DELETE FROM sb_undo WHERE job = $1 AND kg BETWEEN $2 AND $3 AND base >= "
     "$4"},
    {"sb_revert_drop_undo_list",
     "DELETE FROM sb_undo_list WHERE job = $1 AND kg BETWEEN $2 AND $3 AND "
     "undo_base >= $4"},
};
#undef SB_ENTRY
#undef SB_SAVE_UNDO
#undef SB_UPSERT
#undef SB_SAVE_LIST_UNDO

}  // namespace

const char kLayoutCheck[] =
    "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
    "current_schema() AND (table_name, column_name) IN (('sb_state', "
    "'kdig'), ('sb_state', 'ndig'), ('sb_list', 'kdig'), ('sb_list', "
    "'ndig'), ('sb_list', 'base'), ('sb_checkpoint', 'undo_from'))";

std::span<const char* const> SchemaStatements() { return kSchema; }

std::span<const std::pair<const char*, const char*>> PreparedStatements() {
  return kStatements;
}

}  // namespace statebench::pg
