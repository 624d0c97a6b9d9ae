// The `srp` engine: I/O through our user-space SRP initiator (one Session per
// job) to a target given by its target string ("id_ext=...,ioc_guid=...,
// dgid=...,service_id=..." or "...,dest=ip:port"). READ(16)/WRITE(16) to one
// LUN; the LUN's capacity comes from READ CAPACITY.
#pragma once

#include <memory>
#include <string>

#include "lib/fabric/select.h"
#include "perf/engine/io_engine.h"

namespace srp::perf {

struct SrpEngineOptions {
  std::string target;  // target string
  uint32_t lun = 0;
  fabric::FabricSelection fabric;  // soft: subnet_dir "" = $SRP_SOFT_FABRIC
  bool busy_poll = false;          // spin in GetEvents instead of sleeping on the CQ
};

std::unique_ptr<IoEngine> MakeSrpEngine(SrpEngineOptions options);

}  // namespace srp::perf
