#include "advisor/profile.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/file_util.h"

namespace statebench::advisor {
namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

TEST(ProfileTest, ParsesEveryField) {
  Result<Profile> p = ParseProfile(R"(
name: orders
description: order aggregation
state_size: 300GiB
key_count: 100M
event_rate: 200k/s
read_write_mix: 80%
latency_slo_p99: 5ms
recovery_time_objective: 60s
tolerated_data_loss: 30s
exactly_once: true
memory_per_node: 64GiB
nodes: 8
checkpoint_interval: 2min
managed_redis: false
managed_postgres: true
disk_write_budget: 200MiB/s
skills:
  sql: 3
  redis: 0
  rocksdb_tuning: 2
  heap_gc_tuning: 1
  operations: 0
)",
                                   "orders.yaml");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->name, "orders");
  EXPECT_EQ(p->state_size_bytes, 300 * kGiB);
  EXPECT_EQ(p->key_count, 100e6);
  EXPECT_DOUBLE_EQ(p->value_size_bytes, 300 * kGiB / 100e6);
  EXPECT_EQ(p->event_rate, 200e3);
  EXPECT_DOUBLE_EQ(p->read_fraction, 0.8);
  EXPECT_DOUBLE_EQ(*p->latency_slo_p99_s, 0.005);
  EXPECT_EQ(*p->recovery_time_objective_s, 60);
  EXPECT_EQ(p->tolerated_data_loss, DataLoss::kWindow);
  EXPECT_EQ(p->tolerated_data_loss_s, 30);
  EXPECT_TRUE(p->exactly_once);
  EXPECT_EQ(*p->memory_per_node_bytes, 64 * kGiB);
  EXPECT_EQ(p->nodes, 8);
  EXPECT_EQ(p->checkpoint_interval_s, 120);
  EXPECT_TRUE(p->managed_postgres);
  EXPECT_FALSE(p->managed_redis);
  EXPECT_EQ(*p->disk_write_budget_bytes_per_s, 200.0 * 1024 * 1024);
  EXPECT_EQ(p->skills.sql, 3);
  EXPECT_EQ(p->skills.redis, 0);
  EXPECT_EQ(p->skills.rocksdb_tuning, 2);
  EXPECT_EQ(p->skills.operations, 0);
}

TEST(ProfileTest, DefaultsAreDocumentedValues) {
  Result<Profile> p =
      ParseProfile("state_size: 1GiB\nevent_rate: 1000\n", "dir/tiny.yaml");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->name, "tiny");  // the file's stem
  EXPECT_EQ(p->value_size_bytes, 100);
  EXPECT_EQ(p->key_count, std::ceil(kGiB / 100));
  EXPECT_EQ(p->read_fraction, 0.5);
  EXPECT_EQ(p->tolerated_data_loss, DataLoss::kSinceLastCheckpoint);
  EXPECT_EQ(p->checkpoint_interval_s, 60);
  EXPECT_EQ(p->nodes, 1);
  EXPECT_FALSE(p->exactly_once);
  EXPECT_FALSE(p->memory_per_node_bytes.has_value());
  EXPECT_FALSE(p->latency_slo_p99_s.has_value());
  EXPECT_EQ(p->skills.sql, 1);
}

struct BadProfile {
  const char* text;
  const char* where;    // expected "file:line:col" prefix
  const char* problem;  // expected substring
};

class ProfileErrorTest : public ::testing::TestWithParam<BadProfile> {};

TEST_P(ProfileErrorTest, FailsWithFileLineAndProblem) {
  Result<Profile> p = ParseProfile(GetParam().text, "p.yaml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  const std::string& m = p.status().message();
  EXPECT_EQ(m.rfind(GetParam().where, 0), 0u) << m;
  EXPECT_NE(m.find(GetParam().problem), std::string::npos) << m;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ProfileErrorTest,
    ::testing::Values(
        BadProfile{"state_size: 1GiB\nevent_rate: 1\nstat_size: 2GiB\n",
                   "p.yaml:3:1", "unknown profile key 'stat_size'"},
        BadProfile{"state_size: lots\nevent_rate: 1\n", "p.yaml:1:13",
                   "state_size: 'lots' is not a bytes"},
        BadProfile{"state_size: 5ms\nevent_rate: 1\n", "p.yaml:1:13",
                   "is not a bytes"},
        BadProfile{"state_size: 1GiB\nevent_rate: 1\nlatency_slo_p99: 5\n",
                   "p.yaml:3:18", "is not a duration"},
        BadProfile{"state_size: 1GiB\nevent_rate: 1\nexactly_once: maybe\n",
                   "p.yaml:3:15", "is not true or false"},
        BadProfile{"state_size: 1GiB\nevent_rate: 1\nskills: {sql: 4}\n",
                   "p.yaml:3:15", "not a level 0..3"},
        BadProfile{"state_size: 1GiB\nevent_rate: 1\nskills: {cobol: 2}\n",
                   "p.yaml:3:10", "unknown skills key 'cobol'"},
        BadProfile{"state_size: 1GiB\nevent_rate: 1\n"
                   "tolerated_data_loss: some\n",
                   "p.yaml:3:22", "not none, since_last_checkpoint"},
        BadProfile{"state_size: 1GiB\nevent_rate: 1\nread_write_mix: 1.5\n",
                   "p.yaml:3:17", "within 0..1"},
        BadProfile{"state_size: 1GiB\nevent_rate: 1\nnodes: 2.5\n",
                   "p.yaml:3:8", "whole number"},
        BadProfile{"state_size: 1GiB\nevent_rate: 1\nnodes: 2\nnodes: 3\n",
                   "p.yaml:4:1", "given twice"},
        BadProfile{"event_rate: 1\n", "p.yaml:1:1", "'state_size' is required"},
        BadProfile{"state_size: [1GiB\nevent_rate: 1\n",
                   "p.yaml:", "invalid YAML"},
        BadProfile{"- a\n- b\n", "p.yaml:1:1", "must be a YAML mapping"},
        BadProfile{"state_size: -1GiB\nevent_rate: 1\n", "p.yaml:1:13",
                   "must not be negative"}));

TEST(ProfileTest, LoadProfileNamesThePath) {
  Result<std::string> dir = MakeTempDirectory("advisor-profile-");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/bad.yaml";
  ASSERT_TRUE(
      WriteFileAtomically(path, "state_size: 1GiB\nevent_rate: x\n").ok());
  Result<Profile> p = LoadProfile(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message().rfind(path + ":2:13:", 0), 0u)
      << p.status().message();
  EXPECT_FALSE(LoadProfile(*dir + "/absent.yaml").ok());
  ASSERT_TRUE(RemoveTree(*dir).ok());
}

}  // namespace
}  // namespace statebench::advisor
