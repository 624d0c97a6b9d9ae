// srp-perf's command line: subcommands run, sweep, report, restore. Main()
// is the whole tool (main.cc only forwards), so tests can run it in-process
// with captured output as well as through the executable.
#pragma once

#include <atomic>
#include <cstdio>

namespace srp::perf {

// Exit codes: 0 ok; 1 a run or the restore failed; 2 bad command line;
// 130 interrupted (SIGINT/SIGTERM: knobs restored, results so far kept).
// `stop` is set by the caller's signal handler.
int PerfMain(int argc, char** argv, const std::atomic<bool>* stop);

}  // namespace srp::perf
