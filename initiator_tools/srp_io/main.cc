// srp-io: SCSI commands over the user-space SRP initiator (in the spirit of libiscsi's
// iscsi-inq / iscsi-ls). See --help for usage, examples and exit codes.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string>

#include "initiator_tools/initiator/session.h"
#include "initiator_tools/srp_io/cli_options.h"
#include "initiator_tools/srp_io/commands.h"
#include "initiator_tools/srp_io/io_util.h"
#include "lib/common/log.h"
#include "lib/fabric/select.h"

namespace srp::srp_io {
namespace {

constexpr const char* kFooter = R"(Examples:
  srp-io luns    id_ext=0002c90300a0b1c2,ioc_guid=0002c90300a0b1c2,dgid=fe800000000000000002c90300a0b1c3,pkey=ffff,service_id=00000000013f0001
  srp-io inquiry id_ext=0002c90300a0b1c2,ioc_guid=0002c90300a0b1c2,dest=127.0.0.1:5000 --lun 1 --json
  srp-io readcap TARGET --lun 1
  srp-io read    TARGET --lun 1 --offset 1M --size 4k            (hex dump)
  srp-io read    TARGET --lun 1 --size 64M --output lun1.img --bs 1M --queue-depth 16
  srp-io write   TARGET --lun 1 --size 16M --pattern 42
  srp-io write   TARGET --lun 1 --input image.bin
  srp-io verify  TARGET --lun 1 --size 64M --bs 4k --queue-depth 64 --pattern 7

The soft fabric's subnet directory comes from $SRP_SOFT_FABRIC.

Exit codes:
  0  success
  1  a SCSI command failed (non-GOOD status) or a local file error
  2  bad arguments or target string
  3  target unreachable (connect failed or timed out)
  4  login rejected by the target (SRP_LOGIN_REJ reason printed)
  5  verify miscompare (first mismatching byte offset printed)
  6  session lost or command timed out during I/O)";

Result<uint64_t> SizeOption(const std::string& text, const char* name) {
  auto v = ParseSize(text);
  if (!v.ok()) return v.status().WithContext(name);
  return v;
}

int Run(const IoOptions& options) {
  auto target_options = initiator::OptionsFromTargetString(options.target);
  if (!target_options.ok()) {
    return ReportError(options, target_options.status().WithContext("bad target string"));
  }
  initiator::SessionOptions so = *target_options;
  so.queue_size = std::max(so.queue_size, options.queue_depth + 1);
  so.use_imm_data = !options.no_immediate;
  so.command_timeout = std::chrono::milliseconds(options.timeout_ms);
  so.login_timeout = std::chrono::milliseconds(options.timeout_ms);

  auto kind = fabric::ParseFabricKind(options.fabric);
  if (!kind.ok()) return ReportError(options, kind.status().WithContext("--fabric"));
  fabric::FabricSelection selection;
  selection.kind = *kind;
  auto fab = fabric::OpenFabric(selection);
  if (!fab.ok()) {
    return ReportError(options, Status(StatusCode::kUnavailable, fab.status().ToString()));
  }
  auto session = initiator::Session::Login(**fab, so);
  if (!session.ok()) return ReportError(options, session.status());

  int rc = kExitUsage;
  const std::string& c = options.command;
  if (c == "luns") rc = RunLuns(**session, options);
  if (c == "inquiry") rc = RunInquiry(**session, options);
  if (c == "readcap") rc = RunReadcap(**session, options);
  if (c == "read") rc = RunRead(**session, options);
  if (c == "write") rc = RunWrite(**session, options);
  if (c == "verify") rc = RunVerify(**session, options);
  (void)(*session)->Logout(false);
  return rc;
}

}  // namespace

}  // namespace srp::srp_io

int main(int argc, char** argv) {
  using srp::srp_io::IoOptions;
  IoOptions options;
  std::string offset = "0", size, bs = "1M", fabric_kind = "auto";
  uint64_t seed = 0;
  bool verbose = false;
  CLI::App app{"srp-io: SCSI commands to an SRP target through the user-space initiator"};
  app.footer(srp::srp_io::kFooter);
  app.add_option("COMMAND", options.command, "luns | inquiry | readcap | read | write | verify")
      ->required()
      ->check(CLI::IsMember({"luns", "inquiry", "readcap", "read", "write", "verify"}));
  app.add_option("TARGET", options.target,
                 "target string: id_ext=..,ioc_guid=..,dgid=..,pkey=..,service_id=.. or "
                 "id_ext=..,ioc_guid=..,dest=ip:port")
      ->required();
  app.add_option("--lun", options.lun, "logical unit number (default 0)");
  app.add_option("--offset", offset, "byte offset (suffixes k, M, G; block aligned)");
  app.add_option("--size", size, "bytes to transfer (default 1M, or the --input file size)");
  app.add_flag("--json", options.json, "print JSON on stdout");
  app.add_option("--fabric", options.fabric, "auto | soft | verbs (default auto)");
  auto* pattern = app.add_option("--pattern", seed, "write/verify: pattern seed (default 1)");
  app.add_option("--output", options.output_file, "read: write the data to FILE");
  app.add_option("--input", options.input_file, "write: take the data from FILE");
  app.add_option("--bs", bs, "bytes per SCSI command (default 1M)");
  app.add_option("--queue-depth", options.queue_depth, "commands in flight (default 8)")
      ->check(CLI::Range(1u, 4096u));
  app.add_flag("--no-immediate", options.no_immediate, "do not request immediate data");
  app.add_option("--timeout", options.timeout_ms, "login / per-command timeout in ms (30000)");
  app.add_flag("-v,--verbose", verbose, "debug logging on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : srp::srp_io::kExitUsage;
  }
  srp::SetLogLevel(verbose ? srp::LogLevel::kDebug : srp::LogLevel::kWarning);
  if (*pattern) options.pattern_seed = seed;
  auto off = srp::srp_io::SizeOption(offset, "--offset");
  auto block = srp::srp_io::SizeOption(bs, "--bs");
  if (!off.ok()) return srp::srp_io::ReportError(options, off.status());
  if (!block.ok() || *block == 0 || *block > (1u << 30)) {
    return srp::srp_io::ReportError(
        options, block.ok() ? srp::InvalidArgument("--bs must be 1..1G") : block.status());
  }
  options.offset = *off;
  options.bs = static_cast<uint32_t>(*block);
  if (!size.empty()) {
    auto sz = srp::srp_io::SizeOption(size, "--size");
    if (!sz.ok()) return srp::srp_io::ReportError(options, sz.status());
    options.size = *sz;
  }
  return srp::srp_io::Run(options);
}
