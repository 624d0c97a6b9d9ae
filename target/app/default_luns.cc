#include "target/app/default_luns.h"

#include "target/backends/memory_backend.h"
#include "target/backends/null_backend.h"
#include "target/scsi/logical_unit.h"

namespace srp::target {

Result<std::shared_ptr<LunMap>> MakeDefaultLuns(const DefaultLunOptions& options) {
  auto luns = std::make_shared<LunMap>();
  SRP_ASSIGN_OR_RETURN(std::shared_ptr<BlockBackend> null_backend, NullBackend::Create());
  LogicalUnitOptions null_opts;
  null_opts.name = "null0";
  null_opts.queue_depth = options.queue_depth;
  SRP_ASSIGN_OR_RETURN(auto null_lu, LogicalUnit::Create(null_opts, null_backend));
  SRP_RETURN_IF_ERROR(luns->Add(0, null_lu));

  MemoryBackendOptions mem;
  mem.num_blocks = options.memory_bytes / mem.block_size;
  SRP_ASSIGN_OR_RETURN(std::shared_ptr<BlockBackend> mem_backend, MemoryBackend::Create(mem));
  LogicalUnitOptions mem_opts;
  mem_opts.name = "mem1";
  mem_opts.queue_depth = options.queue_depth;
  SRP_ASSIGN_OR_RETURN(auto mem_lu, LogicalUnit::Create(mem_opts, mem_backend));
  SRP_RETURN_IF_ERROR(luns->Add(1, mem_lu));
  return luns;
}

}  // namespace srp::target
