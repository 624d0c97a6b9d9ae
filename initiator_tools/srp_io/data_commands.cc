// srp-io read / write / verify.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <vector>

#include "initiator_tools/initiator/sync_io.h"
#include "initiator_tools/srp_io/commands.h"
#include "initiator_tools/srp_io/io_util.h"
#include "initiator_tools/srp_io/transfer.h"

namespace srp::srp_io {
namespace {

using nlohmann::json;

constexpr uint64_t kDefaultSize = 1u << 20;
constexpr uint64_t kMaxDumpSize = 64 * 1024;
constexpr uint64_t kDefaultSeed = 1;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Checks and completes the byte range of a data command against the LUN's capacity.
Result<TransferSpec> MakeSpec(initiator::Session& session, const IoOptions& options, bool write,
                              std::optional<uint64_t> size) {
  TransferSpec spec;
  spec.lun = scsi::PackLun(options.lun);
  spec.write = write;
  SRP_ASSIGN_OR_RETURN(scsi::Capacity cap, initiator::ReadCapacity(session, spec.lun));
  const uint64_t capacity = (cap.last_lba + 1) * cap.block_size;
  spec.block_size = cap.block_size;
  spec.offset = options.offset;
  if (options.offset > capacity) {
    return InvalidArgument(fmt::format("--offset {} is beyond the end of the LUN ({} bytes)",
                                       options.offset, capacity));
  }
  spec.size = size.value_or(std::min(kDefaultSize, capacity - options.offset));
  if (spec.offset % cap.block_size != 0 || spec.size % cap.block_size != 0) {
    return InvalidArgument(
        fmt::format("--offset and --size must be multiples of the block size {}", cap.block_size));
  }
  if (spec.size == 0) return InvalidArgument("nothing to transfer (size 0)");
  if (spec.offset + spec.size > capacity) {
    return InvalidArgument(fmt::format("range {}+{} runs past the end of the LUN ({} bytes)",
                                       spec.offset, spec.size, capacity));
  }
  spec.bs = std::min<uint64_t>(options.bs, spec.size);
  spec.bs = std::max<uint32_t>(spec.bs / cap.block_size * cap.block_size, cap.block_size);
  spec.queue_depth = options.queue_depth;
  spec.timeout = std::chrono::milliseconds(options.timeout_ms);
  return spec;
}

json StatsJson(const IoOptions& options, const TransferSpec& spec, const TransferStats& st) {
  const double mbps = st.seconds > 0 ? static_cast<double>(st.bytes) / st.seconds / 1e6 : 0;
  return json{{"command", options.command},
              {"lun", options.lun},
              {"offset", spec.offset},
              {"bytes", st.bytes},
              {"commands", st.commands},
              {"retries", st.retries},
              {"block_size", spec.block_size},
              {"bs", spec.bs},
              {"queue_depth", spec.queue_depth},
              {"seconds", st.seconds},
              {"mb_per_s", mbps}};
}

std::string StatsLine(const TransferStats& st) {
  const double mbps = st.seconds > 0 ? static_cast<double>(st.bytes) / st.seconds / 1e6 : 0;
  return fmt::format("{} bytes in {} commands, {:.3f} s, {:.1f} MB/s", st.bytes, st.commands,
                     st.seconds, mbps);
}

}  // namespace

int RunRead(initiator::Session& session, const IoOptions& options) {
  auto spec = MakeSpec(session, options, false, options.size);
  if (!spec.ok()) return ReportError(options, spec.status());
  std::unique_ptr<Fd> out;
  if (!options.output_file.empty()) {
    out =
        std::make_unique<Fd>(open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
    if (out->get() < 0) {
      return ReportError(options, Status::FromErrno(errno, "opening " + options.output_file));
    }
  }
  const bool keep = !out && spec->size <= kMaxDumpSize;
  std::vector<std::byte> data(keep ? spec->size : 0);
  auto st = RunTransfer(session, *spec, [&](uint64_t off, std::span<std::byte> chunk) {
    const uint64_t rel = off - spec->offset;
    if (out) {
      if (pwrite(out->get(), chunk.data(), chunk.size(), static_cast<off_t>(rel)) !=
          static_cast<ssize_t>(chunk.size())) {
        return Status::FromErrno(errno, "writing " + options.output_file);
      }
    } else if (keep) {
      std::copy(chunk.begin(), chunk.end(), data.begin() + static_cast<ptrdiff_t>(rel));
    }
    return Status::Ok();
  });
  if (!st.ok()) return ReportError(options, st.status());
  if (options.json) {
    json j = StatsJson(options, *spec, *st);
    if (keep) j["data_hex"] = FormatHexBytes(data);
    if (out) j["output"] = options.output_file;
    fmt::print("{}\n", j.dump(2));
  } else if (keep) {
    fmt::print("{}", HexDumpLines(data, spec->offset));
  } else {
    fmt::print("read {}\n", StatsLine(*st));
  }
  return kExitOk;
}

int RunWrite(initiator::Session& session, const IoOptions& options) {
  std::unique_ptr<Fd> in;
  std::optional<uint64_t> size = options.size;
  if (!options.input_file.empty()) {
    in = std::make_unique<Fd>(open(options.input_file.c_str(), O_RDONLY));
    struct stat sb {};
    if (in->get() < 0 || fstat(in->get(), &sb) != 0) {
      return ReportError(options, Status::FromErrno(errno, "opening " + options.input_file));
    }
    if (!size) size = static_cast<uint64_t>(sb.st_size);
    if (*size > static_cast<uint64_t>(sb.st_size)) {
      return ReportError(
          options, InvalidArgument(fmt::format("--size {} exceeds the input file ({} bytes)", *size,
                                               static_cast<uint64_t>(sb.st_size))));
    }
  }
  auto spec = MakeSpec(session, options, true, size);
  if (!spec.ok()) return ReportError(options, spec.status());
  const uint64_t seed = options.pattern_seed.value_or(kDefaultSeed);
  auto st = RunTransfer(session, *spec, [&](uint64_t off, std::span<std::byte> chunk) {
    if (!in) {
      FillPattern(seed, off, chunk);
      return Status::Ok();
    }
    const auto rel = static_cast<off_t>(off - spec->offset);
    if (pread(in->get(), chunk.data(), chunk.size(), rel) != static_cast<ssize_t>(chunk.size())) {
      return Status::FromErrno(errno ? errno : EIO, "reading " + options.input_file);
    }
    return Status::Ok();
  });
  if (!st.ok()) return ReportError(options, st.status());
  if (options.json) {
    json j = StatsJson(options, *spec, *st);
    if (!in) j["pattern_seed"] = seed;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("wrote {}\n", StatsLine(*st));
  }
  return kExitOk;
}

int RunVerify(initiator::Session& session, const IoOptions& options) {
  auto spec = MakeSpec(session, options, true, options.size);
  if (!spec.ok()) return ReportError(options, spec.status());
  const uint64_t seed = options.pattern_seed.value_or(kDefaultSeed);
  auto wrote = RunTransfer(session, *spec, [&](uint64_t off, std::span<std::byte> chunk) {
    FillPattern(seed, off, chunk);
    return Status::Ok();
  });
  if (!wrote.ok()) return ReportError(options, wrote.status());
  spec->write = false;
  std::optional<uint64_t> mismatch;
  auto read = RunTransfer(session, *spec, [&](uint64_t off, std::span<std::byte> chunk) {
    if (auto at = FindPatternMismatch(seed, off, chunk)) {
      if (!mismatch || off + *at < *mismatch) mismatch = off + *at;
    }
    return Status::Ok();
  });
  if (!read.ok()) return ReportError(options, read.status());
  if (options.json) {
    json j = StatsJson(options, *spec, *read);
    j["pattern_seed"] = seed;
    j["verified"] = !mismatch.has_value();
    if (mismatch) j["first_mismatch_offset"] = *mismatch;
    fmt::print("{}\n", j.dump(2));
  } else if (mismatch) {
    fmt::print("miscompare at byte offset {} (LUN {})\n", *mismatch, options.lun);
  } else {
    fmt::print("verified {} bytes\n", read->bytes);
  }
  return mismatch ? kExitMiscompare : kExitOk;
}

}  // namespace srp::srp_io
