// srp-perf report: merges result directories written by `srp-perf sweep` and
// renders one Markdown file and one self-contained HTML page comparing the
// configurations (inline SVG charts, baseline deltas, spread over repeats,
// best configuration per metric with a significance statement).
//
// Input: each directory holds runs/<config_id>.json (schema srp-perf-result/1,
// see reports/schema/). summary.json is not required; the per-run files are the
// source of truth. Every file is validated against the checked-in schema
// before use; an invalid or unreadable file is an error naming the file.
// Output is deterministic for the same input (stable order, fixed number
// formatting), so it can be compared against golden files.
#pragma once

#include <string>
#include <vector>

#include "lib/common/status.h"

namespace srp::reports {

// The metrics a report can compare, by name (values in ReportOptions::metrics):
//   read_iops, write_iops   sum over jobs of read.iops / write.iops
//   bw_bytes                sum over jobs and directions of bw_bytes (B/s)
//   clat_p50_ns, clat_p90_ns, clat_p99_ns, clat_p99_9_ns
//                           largest over jobs and directions that did I/O of
//                           clat_ns.percentile["50.000000"] etc. (lower is better)
//   clat_mean_ns            largest mean completion latency (lower is better)
std::vector<std::string> DefaultReportMetrics();  // read_iops, write_iops, bw_bytes, clat_p99_ns
std::vector<std::string> KnownReportMetrics();

struct ReportOptions {
  // Directories written by `srp-perf sweep` (each with a runs/ subdirectory),
  // merged in the order given. At least one.
  std::vector<std::string> input_dirs;
  // Created if missing; report.md and report.html are (over)written there.
  std::string out_dir;
  // config_id of the baseline configuration, with or without its ",rep=N"
  // suffix; empty = the first configuration in report order.
  std::string baseline;
  // Metric names (see above); empty = DefaultReportMetrics().
  std::vector<std::string> metrics;
};

struct ReportSummary {
  std::string markdown_path;  // <out_dir>/report.md
  std::string html_path;      // <out_dir>/report.html
  int run_files = 0;          // result files read (including failed runs)
  int configurations = 0;     // distinct configurations with at least one good run
  int failed_runs = 0;        // runs with "error" (listed, not charted)
  int max_repeats = 0;        // most good repeats of any configuration
  std::string baseline;       // config id (without rep) used as the baseline, "" if none
  // One line per compared metric naming the best configuration and how sure the
  // data is, as printed in the report ("read_iops: best thread=1,... (+12.3%, not significant:
  // ...)").
  std::vector<std::string> best_lines;
};

// Reads, validates, merges and renders. Errors: no input dirs, a directory
// without runs/, no result files at all, an invalid result file (message names
// the file and JSON pointer), an unknown metric, a baseline that matches no
// configuration, or failure to write the outputs.
Result<ReportSummary> RenderReport(const ReportOptions& options);

}  // namespace srp::reports
