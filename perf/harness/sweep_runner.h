// Runs a sweep: for each configuration apply its knobs (KnobSet, journal in
// the output directory), run the workload on the chosen engine, restore the
// knobs, and write runs/<config_id>.json; summary.json is rewritten after
// every configuration, so an interrupted sweep keeps what it measured.
//
// Engines: srp (our initiator; to --target, or to an srp-target this harness
// starts on a temporary soft subnet — LUN 0 nullio by default — whose thread
// mode the `thread` axis sets by restarting it), libaio and fio (--filename;
// scheduler and rq_affinity apply to its block device). Knobs that cannot
// apply to the setup (no block device, no IRQ matching a pattern, thread mode
// of a target we do not own) are recorded "not applicable", not failures.
// dry_run: prints each configuration and every write it would make; starts
// nothing, writes nothing.
#pragma once

#include <atomic>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/fs_root.h"
#include "perf/harness/result_doc.h"
#include "perf/harness/sweep_plan.h"
#include "tuning/affinity_api.h"

namespace srp::perf {

struct SweepOptions {
  SweepSpec spec;
  std::string target;           // srp: an external target string; "" = start our own
  std::string fabric = "auto";  // srp with --target: auto | soft | verbs
  uint32_t lun = 0;             // srp: the LUN to drive
  std::string filename;         // libaio / fio
  std::string target_bin;       // our srp-target
  int target_cpu = -1;          // pin our target to this CPU
  bool busy_poll = false;       // srp: spin instead of sleeping on completions (both sides)
  std::string out_dir;          // required unless dry_run
  bool dry_run = false;
  std::vector<std::string> command_line;
};

struct SweepDeps {
  const FsRoot* fs = nullptr;                 // sysfs/procfs; REQUIRED
  tuning::AffinityApi* affinity = nullptr;    // REQUIRED for --cpus
  std::FILE* progress = stderr;               // progress line with ETA; null = none
  std::function<void(std::string_view)> out;  // dry-run lines; default stdout
  const std::atomic<bool>* stop = nullptr;    // Ctrl-C: finish cleanly, keep results
};

struct SweepOutcome {
  int configurations = 0;  // planned
  int completed = 0;       // runs written (with or without error)
  int failed = 0;          // runs with an error
  bool interrupted = false;
  std::vector<Json> results;  // the per-configuration documents, in order
  Json summary;
};

// Fails (before touching anything) on inconsistent options: unknown engine,
// missing --filename, --target with a non-srp engine, a journal left by a
// killed run in out_dir (restore it first), fio not installed.
Result<SweepOutcome> RunSweep(const SweepOptions& options, const SweepDeps& deps);

// The journal a sweep keeps in its output directory while knobs are applied.
std::string JournalPath(const std::string& out_dir);

}  // namespace srp::perf
