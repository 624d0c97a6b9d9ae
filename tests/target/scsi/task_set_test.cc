// Task attributes with asynchronous completions: a backend whose READ/WRITE completions the
// test releases by hand shows that ORDERED waits for older tasks, SIMPLE waits for an older
// ORDERED, HEAD OF QUEUE starts at once (SAM-5 8.6). Plus the TaskSet rules on their own.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "tests/target/scsi/harness.h"

namespace srp::target {
namespace {

// Queues every asynchronous READ/WRITE until the test calls Release.
class ManualBackend final : public BlockBackend {
 public:
  uint32_t block_size() const override { return 512; }
  uint64_t num_blocks() const override { return 1024; }
  bool read_only() const override { return false; }
  Status Read(uint64_t, uint32_t, std::span<std::byte> data) override {
    std::fill(data.begin(), data.end(), std::byte{0x5A});
    return Status::Ok();
  }
  Status Write(uint64_t, uint32_t, std::span<const std::byte>, bool) override {
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  Status Unmap(uint64_t, uint64_t) override { return Status::Ok(); }
  void SubmitRead(uint64_t lba, uint32_t blocks, std::span<std::byte> data,
                  IoDoneFn done) override {
    std::lock_guard lock(mu_);
    submitted_.push_back(lba);
    pending_.push_back({lba, [this, lba, blocks, data, d = std::move(done)]() mutable {
                          d(Read(lba, blocks, data));
                        }});
  }
  void SubmitWrite(uint64_t lba, uint32_t, std::span<const std::byte>, bool,
                   IoDoneFn done) override {
    std::lock_guard lock(mu_);
    submitted_.push_back(lba);
    pending_.push_back({lba, [d = std::move(done)]() mutable { d(Status::Ok()); }});
  }
  // Completes the I/O submitted for `lba`. False if none is pending.
  bool Release(uint64_t lba) {
    std::function<void()> fn;
    {
      std::lock_guard lock(mu_);
      auto it = std::find_if(pending_.begin(), pending_.end(),
                             [lba](const auto& p) { return p.first == lba; });
      if (it == pending_.end()) return false;
      fn = std::move(it->second);
      pending_.erase(it);
    }
    fn();
    return true;
  }
  std::vector<uint64_t> submitted() {
    std::lock_guard lock(mu_);
    return submitted_;
  }

 private:
  std::mutex mu_;
  std::deque<std::pair<uint64_t, std::function<void()>>> pending_;
  std::vector<uint64_t> submitted_;  // LBAs in submission (= start) order
};

// One task in flight: its buffer and completion flag live here.
struct Inflight {
  ScsiTask task;
  std::vector<std::byte> buffer;
  bool done = false;
};

class TaskSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = std::make_shared<ManualBackend>();
    unit_ = testing::MakeUnit(backend_, {.name = "ts"});
    ASSERT_TRUE(luns_.Add(0, unit_).ok());
  }
  // Starts READ(10) of one block at `lba` with `attr`.
  Inflight& Start(uint64_t lba, TaskAttribute attr) {
    auto& f = *tasks_.emplace_back(std::make_unique<Inflight>());
    EXPECT_TRUE(f.task.SetCdb(scsi::BuildRead10(static_cast<uint32_t>(lba), 1).view()).ok());
    f.task.lun_raw = scsi::PackLun(0);
    f.task.attribute = attr;
    f.task.direction = DataDirection::kIn;
    f.task.expected_length = 512;
    f.buffer.resize(512);
    f.task.buffer = f.buffer;
    f.task.tag = lba;
    ExecuteTask(luns_, f.task, [&f](ScsiTask&) { f.done = true; });
    return f;
  }
  std::shared_ptr<ManualBackend> backend_;
  std::shared_ptr<LogicalUnit> unit_;
  LunMap luns_;
  std::vector<std::unique_ptr<Inflight>> tasks_;
};

TEST_F(TaskSetTest, OrderedWaitsForOlderAndLaterSimpleWaitsForOrdered) {
  Inflight& s1 = Start(1, TaskAttribute::kSimple);
  Inflight& s2 = Start(2, TaskAttribute::kSimple);
  Inflight& o3 = Start(3, TaskAttribute::kOrdered);
  Inflight& s4 = Start(4, TaskAttribute::kSimple);
  EXPECT_EQ(backend_->submitted(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(unit_->task_set().waiting(), 2u);
  EXPECT_EQ(unit_->in_flight(), 4u);  // waiting tasks hold their queue slots
  ASSERT_TRUE(backend_->Release(2));
  EXPECT_TRUE(s2.done);
  EXPECT_EQ(backend_->submitted(), (std::vector<uint64_t>{1, 2}));  // s1 still running
  ASSERT_TRUE(backend_->Release(1));
  EXPECT_TRUE(s1.done);
  EXPECT_EQ(backend_->submitted(), (std::vector<uint64_t>{1, 2, 3}));  // ORDERED alone
  EXPECT_FALSE(o3.done);
  ASSERT_TRUE(backend_->Release(3));
  EXPECT_TRUE(o3.done);
  EXPECT_EQ(backend_->submitted(), (std::vector<uint64_t>{1, 2, 3, 4}));
  ASSERT_TRUE(backend_->Release(4));
  EXPECT_TRUE(s4.done);
  EXPECT_EQ(s4.task.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(s4.task.data_length, 512u);
  EXPECT_EQ(s4.buffer[0], std::byte{0x5A});
  EXPECT_EQ(unit_->task_set().size(), 0u);
  EXPECT_EQ(unit_->in_flight(), 0u);
}

TEST_F(TaskSetTest, HeadOfQueueStartsAtOnceAndDelaysLaterSimple) {
  Start(1, TaskAttribute::kSimple);
  Inflight& o2 = Start(2, TaskAttribute::kOrdered);
  Inflight& h3 = Start(3, TaskAttribute::kHeadOfQueue);
  Start(4, TaskAttribute::kSimple);
  EXPECT_EQ(backend_->submitted(), (std::vector<uint64_t>{1, 3}));
  ASSERT_TRUE(backend_->Release(3));
  EXPECT_TRUE(h3.done);
  EXPECT_FALSE(o2.done);
  EXPECT_EQ(backend_->submitted(), (std::vector<uint64_t>{1, 3}));
  ASSERT_TRUE(backend_->Release(1));
  EXPECT_EQ(backend_->submitted(), (std::vector<uint64_t>{1, 3, 2}));
  ASSERT_TRUE(backend_->Release(2));
  EXPECT_EQ(backend_->submitted(), (std::vector<uint64_t>{1, 3, 2, 4}));
  ASSERT_TRUE(backend_->Release(4));
  EXPECT_EQ(unit_->task_set().size(), 0u);
}

TEST_F(TaskSetTest, SimpleTasksRunConcurrently) {
  for (uint64_t lba = 0; lba < 8; ++lba) Start(lba, TaskAttribute::kSimple);
  EXPECT_EQ(backend_->submitted().size(), 8u);
  for (uint64_t lba = 8; lba-- > 0;) ASSERT_TRUE(backend_->Release(lba));
  for (const auto& t : tasks_) EXPECT_TRUE(t->done);
}

TEST_F(TaskSetTest, WaitingTaskThatFailsImmediatelyStartsTheNext) {
  // An ORDERED task that ends inline when started (LBA out of range) must release the tasks
  // behind it from within the completion of the task before it.
  Start(1, TaskAttribute::kSimple);
  Inflight& bad = Start(5000, TaskAttribute::kOrdered);
  Inflight& s3 = Start(3, TaskAttribute::kSimple);
  ASSERT_TRUE(backend_->Release(1));
  EXPECT_TRUE(bad.done);
  EXPECT_EQ(bad.task.status, scsi::ScsiStatus::kCheckCondition);
  EXPECT_EQ(backend_->submitted(), (std::vector<uint64_t>{1, 3}));
  ASSERT_TRUE(backend_->Release(3));
  EXPECT_TRUE(s3.done);
}

// Completes every READ on its own thread after a short delay; records start/end order.
class ThreadedBackend final : public BlockBackend {
 public:
  // The last reference may be dropped on one of the completion threads (CompleteTask holds
  // the unit): never join that one.
  ~ThreadedBackend() override { JoinAll(); }
  void JoinAll() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) {
      if (t.get_id() == std::this_thread::get_id()) {
        t.detach();
      } else {
        t.join();
      }
    }
  }
  uint32_t block_size() const override { return 512; }
  uint64_t num_blocks() const override { return 1024; }
  bool read_only() const override { return false; }
  Status Read(uint64_t, uint32_t, std::span<std::byte>) override { return Status::Ok(); }
  Status Write(uint64_t, uint32_t, std::span<const std::byte>, bool) override {
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  Status Unmap(uint64_t, uint64_t) override { return Status::Ok(); }
  void SubmitRead(uint64_t lba, uint32_t, std::span<std::byte>, IoDoneFn done) override {
    std::lock_guard lock(mu_);
    events.emplace_back(lba, true);
    threads_.emplace_back([this, lba, d = std::move(done)]() mutable {
      std::this_thread::sleep_for(std::chrono::microseconds(50 + (lba * 37) % 200));
      {
        std::lock_guard inner(mu_);
        events.emplace_back(lba, false);
      }
      d(Status::Ok());
    });
  }
  std::mutex mu_;
  std::vector<std::pair<uint64_t, bool>> events;  // (lba, started?) in order

 private:
  std::vector<std::thread> threads_;
};

TEST(TaskSetThreadsTest, OrderedTasksNeverOverlapOthersWithCompletionsOnOtherThreads) {
  auto backend = std::make_shared<ThreadedBackend>();
  LunMap luns;
  ASSERT_TRUE(luns.Add(0, testing::MakeUnit(backend, {.name = "thr", .queue_depth = 64})).ok());
  constexpr int kTasks = 48;
  std::vector<std::unique_ptr<Inflight>> tasks;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  for (int i = 0; i < kTasks; ++i) {
    auto& f = *tasks.emplace_back(std::make_unique<Inflight>());
    ASSERT_TRUE(f.task.SetCdb(scsi::BuildRead10(static_cast<uint32_t>(i), 1).view()).ok());
    f.task.lun_raw = scsi::PackLun(0);
    f.task.attribute = i % 7 == 3 ? TaskAttribute::kOrdered : TaskAttribute::kSimple;
    f.task.direction = DataDirection::kIn;
    f.task.expected_length = 512;
    f.buffer.resize(512);
    f.task.buffer = f.buffer;
    ExecuteTask(luns, f.task, [&](ScsiTask&) {
      std::lock_guard lock(mu);
      ++done;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return done == kTasks; }));
  }
  backend->JoinAll();
  std::lock_guard lock(backend->mu_);
  ASSERT_EQ(backend->events.size(), 2u * kTasks);
  // While an ORDERED task runs nothing else runs; it starts after every older task ended.
  std::set<uint64_t> running;
  std::set<uint64_t> ended;
  for (auto [lba, start] : backend->events) {
    if (start) {
      const bool ordered = lba % 7 == 3;
      for (uint64_t r : running) EXPECT_FALSE(r % 7 == 3) << "task " << lba << " overlaps " << r;
      if (ordered) {
        EXPECT_TRUE(running.empty()) << lba;
        for (uint64_t older = 0; older < lba; ++older) EXPECT_TRUE(ended.count(older)) << lba;
      }
      running.insert(lba);
    } else {
      running.erase(lba);
      ended.insert(lba);
    }
  }
}

TEST(TaskSetRulesTest, EnterAndRemove) {
  TaskSet set(4);
  ScsiTask a, b, c, d;
  EXPECT_TRUE(set.Enter(&a, TaskAttribute::kSimple));
  EXPECT_FALSE(set.Enter(&b, TaskAttribute::kOrdered));
  EXPECT_FALSE(set.Enter(&c, TaskAttribute::kAca));  // executed as SIMPLE
  EXPECT_TRUE(set.Enter(&d, TaskAttribute::kHeadOfQueue));
  std::vector<ScsiTask*> ready;
  set.Remove(&d, ready);
  EXPECT_TRUE(ready.empty());
  set.Remove(&a, ready);
  EXPECT_EQ(ready, (std::vector<ScsiTask*>{&b}));
  ready.clear();
  set.Remove(&b, ready);
  EXPECT_EQ(ready, (std::vector<ScsiTask*>{&c}));
  ready.clear();
  set.Remove(&c, ready);
  EXPECT_TRUE(ready.empty());
  EXPECT_EQ(set.size(), 0u);
  EXPECT_EQ(set.waiting(), 0u);
}

}  // namespace
}  // namespace srp::target
