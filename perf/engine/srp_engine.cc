#include "perf/engine/srp_engine.h"

#include <fmt/format.h>

#include <algorithm>

#include "initiator_tools/initiator/session.h"
#include "initiator_tools/initiator/sync_io.h"
#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"

namespace srp::perf {
namespace {

class SrpEngine final : public IoEngine {
 public:
  explicit SrpEngine(SrpEngineOptions options) : options_(std::move(options)) {}
  ~SrpEngine() override { Cleanup(); }

  const char* name() const override { return "srp"; }

  Result<uint64_t> Setup(const EngineParams& params) override {
    if (options_.lun > scsi::kMaxPackedLun) {
      return InvalidArgument(fmt::format("lun {} is out of range", options_.lun));
    }
    params_ = params;
    lun_ = scsi::PackLun(options_.lun);
    SRP_ASSIGN_OR_RETURN(initiator::SessionOptions so,
                         initiator::OptionsFromTargetString(options_.target));
    // One command per slot plus the task-management credit.
    so.queue_size = std::max<uint32_t>(so.queue_size, params.iodepth + 2);
    SRP_ASSIGN_OR_RETURN(fabric_, fabric::OpenFabric(options_.fabric));
    Result<std::unique_ptr<initiator::Session>> session = initiator::Session::Login(*fabric_, so);
    if (!session.ok()) return session.status().WithContext("login to " + options_.target);
    session_ = std::move(session).value();
    session_->set_busy_poll(options_.busy_poll);
    // TEST UNIT READY takes the power-on unit attention before timing starts.
    initiator::ScsiCommand tur;
    tur.cdb = scsi::BuildTestUnitReady();
    tur.lun = lun_;
    (void)initiator::Execute(*session_, tur);
    SRP_ASSIGN_OR_RETURN(scsi::Capacity cap, initiator::ReadCapacity(*session_, lun_));
    block_size_ = cap.block_size;
    if (block_size_ == 0 || params.bs % block_size_ != 0) {
      return InvalidArgument(fmt::format("bs {} is not a multiple of the LUN's block size {}",
                                         params.bs, block_size_));
    }
    SRP_ASSIGN_OR_RETURN(buffer_, session_->AllocateBuffer(size_t{params.bs} * params.iodepth));
    return (cap.last_lba + 1) * block_size_;
  }

  std::span<std::byte> Buffer(uint32_t slot) override {
    return buffer_->bytes().subspan(size_t{slot} * params_.bs, params_.bs);
  }

  Status Queue(const IoUnit& unit) override {
    if (session_ == nullptr) return Status(StatusCode::kUnavailable, "srp engine not set up");
    if (unit.slot >= params_.iodepth || unit.length > params_.bs ||
        unit.offset % block_size_ != 0 || unit.length % block_size_ != 0) {
      return InvalidArgument(fmt::format("bad I/O unit slot {} offset {} length {}", unit.slot,
                                         unit.offset, unit.length));
    }
    staged_.push_back(unit);
    return Status::Ok();
  }

  // Submits everything staged; the session posts what its credits allow at
  // once and the rest from Progress().
  Status Commit() override {
    Status first_error;
    for (const IoUnit& unit : staged_) {
      Status s = Submit(unit);
      if (!s.ok() && first_error.ok()) first_error = s;
    }
    staged_.clear();
    return first_error;
  }

  Status GetEvents(int min, std::chrono::microseconds timeout,
                   std::vector<IoCompletion>* out) override {
    if (session_ == nullptr) return Status(StatusCode::kUnavailable, "srp engine not set up");
    const size_t wanted = static_cast<size_t>(std::max(min, 0));
    session_->Progress();
    if (completed_.size() < wanted) {
      Status s =
          session_->WaitUntil([&] { return completed_.size() >= wanted; },
                              std::chrono::duration_cast<std::chrono::milliseconds>(timeout) +
                                  std::chrono::milliseconds(1));
      if (!s.ok() && s.code() != StatusCode::kTimedOut && completed_.empty()) return s;
    }
    out->insert(out->end(), completed_.begin(), completed_.end());
    completed_.clear();
    return Status::Ok();
  }

  void Cleanup() override {
    if (session_ != nullptr) {
      (void)session_->WaitUntil([&] { return session_->outstanding() == 0; },
                                std::chrono::seconds(5));
      (void)session_->Logout(false);
      completed_.clear();
    }
    staged_.clear();
    buffer_.reset();
    session_.reset();
    fabric_.reset();
  }

 private:
  Status Submit(const IoUnit& unit) {
    initiator::ScsiCommand c;
    const uint64_t lba = unit.offset / block_size_;
    const uint32_t blocks = unit.length / block_size_;
    c.cdb = unit.write ? scsi::BuildWrite16(lba, blocks) : scsi::BuildRead16(lba, blocks);
    c.lun = lun_;
    c.direction = unit.write ? wire::DataDirection::kOut : wire::DataDirection::kIn;
    c.segments = {buffer_->Segment(size_t{unit.slot} * params_.bs, unit.length)};
    const uint32_t slot = unit.slot;
    const uint32_t length = unit.length;
    Result<uint64_t> tag =
        session_->Submit(std::move(c), [this, slot, length](const initiator::ScsiResult& r) {
          IoCompletion done;
          done.slot = slot;
          if (r.good()) {
            done.transferred = length;
          } else {
            done.status = Status(StatusCode::kIoError, r.Describe());
          }
          completed_.push_back(std::move(done));
        });
    return tag.ok() ? Status::Ok() : tag.status();
  }

  SrpEngineOptions options_;
  EngineParams params_;
  scsi::LunBytes lun_{};
  uint32_t block_size_ = 512;
  std::unique_ptr<fabric::Fabric> fabric_;
  std::unique_ptr<initiator::Session> session_;
  std::unique_ptr<initiator::IoBuffer> buffer_;
  std::vector<IoUnit> staged_;
  std::vector<IoCompletion> completed_;
};

}  // namespace

std::unique_ptr<IoEngine> MakeSrpEngine(SrpEngineOptions options) {
  return std::make_unique<SrpEngine>(std::move(options));
}

}  // namespace srp::perf
