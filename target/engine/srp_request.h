// SrpRequest: one received IU (SRP_CMD or SRP_TSK_MGMT) from arrival to its SRP_RSP, as an
// explicit state machine advanced by Process() (SPDK nvmf_rdma style). Requests are contexts
// of a per-channel pool, not tied to receive slots: the channel takes a free one for each IU,
// and the request records which receive slot holds the IU bytes. Those stay valid until
// execution ends; then the slot is reposted (before the SRP_RSP goes out, so the credit it
// returns is backed by a posted receive), and a new IU may land in it while this request
// still waits for its SEND completion. The SRP_RSP is built in the request's own response
// buffer, which stays in use until kDone; Finish() returns the context to the free list.
//
//   kNew         decode/validate: tag overlap, descriptors, CDB; TMF executed here
//   kNeedBuffer  take a registered data buffer (waits when the pool is empty)
//   kRdmaRead    RDMA READ an external descriptor table, then DATA-OUT, in pieces of at
//                most srp_max_rdma_size; waits for the signalled last READ of each batch
//   kExecuting   SCSI execution (inline or on a worker); waits for the TaskDoneFn
//   kRdmaWrite   DATA-IN RDMA WRITEs + the SRP_RSP SEND queued as one linked batch, only the
//                SEND signalled (split into several batches only when the send queue is short)
//   kResponseSent waits for the SEND completion
//   kDone        resources released; the request is free (also its initial state)
//
// Aborted requests (TMF, channel teardown) send no SRP_RSP; their credit is returned by a
// later response's req_lim_delta. Single-threaded: only the owning poll group touches it,
// except the TaskDoneFn, which may run on a worker and then goes through ScsiDoneSink.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "lib/fabric/fabric.h"
#include "lib/scsi/sense.h"
#include "lib/srp/descriptors.h"
#include "lib/srp/iu.h"
#include "target/engine/buffer_pool.h"
#include "target/scsi/scsi_task.h"

namespace srp::target {

class SrpChannel;

enum class RequestState : uint8_t {
  kNew,
  kNeedBuffer,
  kRdmaRead,
  kExecuting,
  kRdmaWrite,
  kResponseSent,
  kDone,
};
const char* RequestStateName(RequestState state);

class SrpRequest {
 public:
  // `index`: position in the channel's pool (work-request ids); `rsp_buf`: this request's
  // response buffer, inside the channel's registered response slab.
  SrpRequest(SrpChannel& channel, uint32_t index, std::span<std::byte> rsp_buf);
  SrpRequest(const SrpRequest&) = delete;
  SrpRequest& operator=(const SrpRequest&) = delete;

  // Bind a received IU (`iu`, inside the channel's receive slot `slot`) and enter kNew.
  // REQUIRES: state() == kDone.
  void BeginCommand(uint32_t slot, std::span<std::byte> iu, const wire::CmdHeader& hdr);
  void BeginTmf(uint32_t slot, std::span<std::byte> iu, const wire::TaskManagement& tmf);
  // An SRP_CMD whose header could not be decoded but whose tag is known: answered with
  // CHECK CONDITION `reason`.
  void BeginMalformed(uint32_t slot, std::span<std::byte> iu, uint64_t tag,
                      const scsi::SenseReason& reason);

  // Advances the state machine as far as it can go without waiting.
  void Process();

  // ---- Channel hooks ----
  // A signalled work request of this request completed successfully.
  void OnChunkDone();
  // The queue pair was flushed: no work request of this request is outstanding any more.
  void OnDrained();
  // Task management / teardown: finish without an SRP_RSP unless one is already queued.
  // Returns true when the request will send no response.
  bool Abort();
  // TaskDoneFn target; may run on any thread.
  void OnScsiDone();
  // Owner thread: a completion posted through ScsiDoneSink arrived.
  void OnScsiDoneOnOwner();
  // A parked request may retry (buffer released or send-queue room).
  void Resume() { Process(); }

  // ---- Inspection ----
  RequestState state() const { return state_; }
  bool active() const { return state_ != RequestState::kDone; }
  bool is_command() const { return kind_ == Kind::kCommand; }
  uint64_t tag() const { return tag_; }
  const wire::Lun& lun() const { return lun_; }
  uint32_t index() const { return index_; }
  // The receive slot holding this request's IU; meaningful until recv_reposted().
  uint32_t recv_slot() const { return recv_slot_; }
  bool recv_reposted() const { return recv_reposted_; }
  bool aborted() const { return aborted_; }
  bool response_queued() const { return send_queued_; }
  const ScsiTask& task() const { return task_; }
  ScsiTask& mutable_task() { return task_; }
  const wire::DataLayout& layout() const { return layout_; }
  // Test hook: put the request in `state` as if it had got there (SPDK-style tests).
  void SetStateForTest(RequestState state) { state_ = state; }

 private:
  enum class Kind : uint8_t { kCommand, kTmf };
  enum class Answer : uint8_t { kTask, kError, kTmf, kNone };
  struct Piece {
    uint64_t remote_addr;
    uint32_t rkey;
    uint32_t length;
    size_t offset;  // into buf_
  };

  void Reset(uint32_t slot, std::span<std::byte> iu, Kind kind);
  // Hands the receive slot back to the channel (once); the IU bytes are gone after this.
  void RepostRecv();
  void OnNew();
  void OnNewCommand();
  void OnNeedBuffer();
  void OnRdmaRead();
  void OnExecuting();
  void OnRdmaWrite();
  void OnResponseSent();
  // Answer with CHECK CONDITION `reason` (no data moved) and go to kRdmaWrite.
  void FailWith(const scsi::SenseReason& reason);
  // Splits `descs` into pieces of at most srp_max_rdma_size covering `limit` bytes.
  void BuildPieces(std::span<const wire::DirectDescriptor> descs, uint64_t limit);
  // Queues pending pieces (and the SRP_RSP when `with_send`) as batches whose last WR is
  // signalled. True when everything is queued.
  bool Pump(fabric::WrOpcode op, bool with_send);
  // Encodes the SRP_RSP (taking the channel's credits) into rsp_buf_; returns its size.
  uint32_t BuildResponse();
  // Releases everything and enters kDone. `responded`: an SRP_RSP was sent.
  void Finish(bool responded);
  void SetState(RequestState next);

  SrpChannel& ch_;
  const uint32_t index_;
  const std::span<std::byte> rsp_buf_;
  uint32_t recv_slot_ = 0;
  RequestState state_ = RequestState::kDone;
  Kind kind_ = Kind::kCommand;
  Answer answer_ = Answer::kNone;
  std::span<std::byte> iu_;
  uint64_t tag_ = 0;
  wire::Lun lun_{};
  wire::CmdHeader hdr_;
  wire::TaskManagement tmf_;
  wire::DataLayout layout_;
  scsi::SenseReason error_;
  wire::TmfResponse tmf_code_ = wire::TmfResponse::kComplete;
  ScsiTask task_;
  DataBuffer buf_;
  std::vector<Piece> pieces_;
  size_t next_piece_ = 0;
  uint32_t chunks_outstanding_ = 0;
  bool counted_ = false;  // counted in the session's outstanding commands
  bool aborted_ = false;
  bool rdma_failed_ = false;
  bool need_table_ = false;
  bool table_fetched_ = false;
  bool data_fetched_ = false;
  bool scsi_started_ = false;
  bool scsi_done_ = false;
  bool recv_reposted_ = false;
  bool send_queued_ = false;
  bool in_process_ = false;
  bool reprocess_ = false;
};

}  // namespace srp::target
