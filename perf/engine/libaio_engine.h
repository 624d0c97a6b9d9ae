// The `libaio` engine: Linux native AIO (io_submit/io_getevents) with
// O_DIRECT on a block device or a regular file. A regular file smaller than
// the job's size is extended (sparse) to it, as fio lays out its files; a
// missing file is created, except under /dev/.
#pragma once

#include <memory>
#include <string>

#include "perf/engine/io_engine.h"

namespace srp::perf {

struct LibaioEngineOptions {
  std::string filename;
  bool direct = true;  // O_DIRECT
};

std::unique_ptr<IoEngine> MakeLibaioEngine(LibaioEngineOptions options);

}  // namespace srp::perf
