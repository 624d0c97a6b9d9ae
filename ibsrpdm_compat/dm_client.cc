#include "ibsrpdm_compat/dm_client.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>

namespace srp::discovery {

uint64_t NextTid() {
  // High 32 bits: a per-process seed (so two tools on one port do not collide);
  // low 32 bits: a counter starting at 1.
  static const uint64_t seed =
      (static_cast<uint64_t>(getpid()) ^
       static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()))
      << 32;
  static std::atomic<uint32_t> counter{0};
  uint64_t tid = seed | (counter.fetch_add(1) + 1u);
  return tid == 0 ? 1 : tid;
}

Result<mad::Mad> DmClient::Get(const mad::MadAddress& to, uint16_t attr_id, uint32_t attr_mod) {
  mad::Mad request = mad::MakeDmRequest(mad::kMethodGet, attr_id, attr_mod, NextTid());
  auto resp = port_.Request(to, request, options_.timeout, options_.retries);
  if (!resp.ok()) {
    return resp.status().WithContext(
        fmt::format("DM attr {:#06x} mod {:#x} to LID {:#06x}", attr_id, attr_mod, to.lid));
  }
  if (resp->status() != mad::kStatusOk) {
    return Status(StatusCode::kRejected,
                  fmt::format("DM attr {:#06x} mod {:#x} to LID {:#06x}: MAD status {:#06x}",
                              attr_id, attr_mod, to.lid, resp->status()));
  }
  return std::move(resp).value();
}

namespace {
template <typename T>
Result<T> Decoded(Result<T> r, std::string_view what) {
  if (r.ok()) return r;
  return Status(StatusCode::kProtocolError, fmt::format("{}: {}", what, r.status().message()));
}
}  // namespace

Result<mad::ClassPortInfo> DmClient::GetClassPortInfo(const mad::MadAddress& to) {
  SRP_ASSIGN_OR_RETURN(mad::Mad resp, Get(to, mad::kAttrClassPortInfo, 0));
  return Decoded(mad::DecodeClassPortInfo(resp.dm_data()), "ClassPortInfo");
}

Result<mad::IoUnitInfo> DmClient::GetIoUnitInfo(const mad::MadAddress& to) {
  SRP_ASSIGN_OR_RETURN(mad::Mad resp, Get(to, mad::kAttrIoUnitInfo, 0));
  return Decoded(mad::DecodeIoUnitInfo(resp.dm_data()), "IOUnitInfo");
}

Result<mad::IoControllerProfile> DmClient::GetIoControllerProfile(const mad::MadAddress& to,
                                                                  int slot) {
  SRP_ASSIGN_OR_RETURN(mad::Mad resp,
                       Get(to, mad::kAttrIoControllerProfile, static_cast<uint32_t>(slot)));
  return Decoded(mad::DecodeIoControllerProfile(resp.dm_data()), "IOControllerProfile");
}

Result<std::vector<mad::ServiceEntry>> DmClient::GetServiceEntries(const mad::MadAddress& to,
                                                                   int slot, int first, int last) {
  if (slot < 1 || slot > 0xffff || first < 0 || last > 0xff || last < first ||
      last - first >= static_cast<int>(mad::kMaxServiceEntriesPerMad)) {
    return InvalidArgument(
        fmt::format("bad ServiceEntries range slot {} {}..{}", slot, first, last));
  }
  mad::ServiceEntriesRange range{static_cast<uint16_t>(slot), static_cast<uint8_t>(first),
                                 static_cast<uint8_t>(last)};
  SRP_ASSIGN_OR_RETURN(mad::Mad resp,
                       Get(to, mad::kAttrServiceEntries, mad::ServiceEntriesAttrMod(range)));
  return Decoded(mad::DecodeServiceEntries(resp.dm_data(), range.count()), "ServiceEntries");
}

Result<std::vector<mad::ServiceEntry>> DmClient::GetAllServiceEntries(const mad::MadAddress& to,
                                                                      int slot, int count) {
  std::vector<mad::ServiceEntry> all;
  for (int j = 0; j < count; j += static_cast<int>(mad::kMaxServiceEntriesPerMad)) {
    int last = std::min(j + 3, count - 1);
    SRP_ASSIGN_OR_RETURN(std::vector<mad::ServiceEntry> chunk,
                         GetServiceEntries(to, slot, j, last));
    all.insert(all.end(), chunk.begin(), chunk.end());
  }
  return all;
}

}  // namespace srp::discovery
