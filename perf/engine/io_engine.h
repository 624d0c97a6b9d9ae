// IoEngine: fio's engine contract, so the job loop is the same for every way
// of doing I/O (fio's ioengines.h: setup/init, queue, commit, getevents,
// event, cleanup).
//
//   Setup(params)  opens the device/session and allocates `iodepth` buffers of
//                  `bs` bytes (one per slot); returns the usable capacity.
//   Queue(unit)    stages one I/O on a free slot; nothing need be sent yet.
//                  kResourceExhausted when the engine cannot take more (FIO_Q_BUSY).
//   Commit()       sends everything queued (one doorbell / io_submit).
//   GetEvents(min, timeout, out)  waits until at least `min` I/Os completed
//                  (or timeout), appends every completion to `out`.
//   Cleanup()      waits for / cancels what is in flight and releases
//                  everything; idempotent, also run by the destructor.
// An engine instance belongs to one job (one thread); it is not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/common/status.h"

namespace srp::perf {

struct EngineParams {
  uint32_t iodepth = 1;  // slots
  uint32_t bs = 4096;    // bytes per slot buffer
  uint64_t size = 0;     // bytes the job wants (file engines may extend a file to it)
  int job_index = 0;
};

struct IoUnit {
  uint32_t slot = 0;  // REQUIRES: < iodepth; the slot's buffer holds the data
  uint64_t offset = 0;
  uint32_t length = 0;  // REQUIRES: <= bs
  bool write = false;
};

struct IoCompletion {
  uint32_t slot = 0;
  Status status;             // OK, or why the I/O failed
  uint32_t transferred = 0;  // bytes moved
};

class IoEngine {
 public:
  virtual ~IoEngine() = default;
  virtual const char* name() const = 0;
  // Returns the capacity in bytes that I/O may address.
  virtual Result<uint64_t> Setup(const EngineParams& params) = 0;
  // The buffer of one slot (bs bytes). REQUIRES: Setup succeeded, slot < iodepth.
  virtual std::span<std::byte> Buffer(uint32_t slot) = 0;
  virtual Status Queue(const IoUnit& unit) = 0;
  virtual Status Commit() = 0;
  virtual Status GetEvents(int min, std::chrono::microseconds timeout,
                           std::vector<IoCompletion>* out) = 0;
  virtual void Cleanup() = 0;
};

}  // namespace srp::perf
