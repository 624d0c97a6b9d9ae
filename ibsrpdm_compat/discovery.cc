#include "ibsrpdm_compat/discovery.h"

#include <fmt/format.h>

#include <algorithm>

#include "ibsrpdm_compat/dm_client.h"
#include "lib/mad/sa_codec.h"

namespace srp::discovery {

namespace {

// The records of an SA answer: `stride` from attr_offset (fallback `dflt`).
std::vector<std::span<const std::byte>> Records(const mad::Mad& resp, size_t dflt) {
  std::vector<std::span<const std::byte>> out;
  auto sa = mad::DecodeSaHeader(resp.bytes());
  size_t stride = (sa.ok() && sa->attr_offset != 0) ? sa->attr_offset * 8u : dflt;
  std::span<const std::byte> data = resp.sa_data();
  if (resp.method() != mad::kMethodGetTableResp) {
    out.push_back(data);
    return out;
  }
  // A table shorter than one MAD is padded with zeros (soft SA, single RMPP segment):
  // an all-zero slot is padding, not a record (every real record has a non-zero LID).
  for (size_t off = 0; off + stride <= data.size(); off += stride) {
    std::span<const std::byte> rec = data.subspan(off, stride);
    if (std::all_of(rec.begin(), rec.end(), [](std::byte b) { return b == std::byte{0}; })) {
      continue;
    }
    out.push_back(rec);
  }
  return out;
}

}  // namespace

Result<mad::Mad> Discovery::SaQuery(uint8_t method, uint16_t attr_id, uint32_t attr_mod,
                                    uint64_t comp_mask, std::span<const std::byte> record) {
  SRP_ASSIGN_OR_RETURN(mad::Mad req,
                       mad::MakeSaRequest(method, attr_id, attr_mod, NextTid(), comp_mask, record));
  mad::MadAddress sa{.lid = port_.sm_lid()};
  auto resp = port_.Request(sa, req, options_.sa_timeout, options_.sa_retries);
  if (!resp.ok()) {
    return resp.status().WithContext(fmt::format("SA attr {:#06x} query", attr_id));
  }
  return resp;
}

Result<std::vector<Discovery::Candidate>> Discovery::Candidates() {
  SRP_ASSIGN_OR_RETURN(mad::Mad cpi_resp,
                       SaQuery(mad::kMethodGet, mad::kAttrClassPortInfo, 0, 0, {}));
  if (cpi_resp.status() != mad::kStatusOk) {
    return Status(StatusCode::kRejected,
                  fmt::format("SA ClassPortInfo: MAD status {:#06x}", cpi_resp.status()));
  }
  SRP_ASSIGN_OR_RETURN(mad::ClassPortInfo cpi, mad::DecodeClassPortInfo(cpi_resp.sa_data()));
  const bool cap_match = (cpi.capability_mask & mad::kSaCapPortInfoCapMaskMatch) != 0;
  std::vector<Candidate> out;

  if (cap_match && !options_.probe_all_ports) {
    mad::PortInfoRecord want;
    want.capability_mask = mad::kPortCapDeviceManagement;
    auto rec = mad::EncodePortInfoRecord(want);
    SRP_ASSIGN_OR_RETURN(
        mad::Mad resp,
        SaQuery(mad::kMethodGetTable, mad::kAttrPortInfoRecord, mad::kPortInfoCapMaskMatchAttrMod,
                mad::kPirCompCapabilityMask, std::span(rec).first(mad::kPortInfoRecordSize)));
    if (resp.status() != mad::kStatusOk && resp.status() != mad::kSaStatusNoRecords) {
      return Status(StatusCode::kRejected,
                    fmt::format("SA PortInfoRecord table: MAD status {:#06x}", resp.status()));
    }
    if (resp.status() != mad::kStatusOk) return out;
    for (auto r : Records(resp, mad::kPortInfoRecordStride)) {
      auto pir = mad::DecodePortInfoRecord(r);
      if (!pir.ok()) return pir.status().WithContext("PortInfoRecord");
      if (pir->endport_lid == port_.local_port().lid && !options_.include_local_port) continue;
      out.push_back(Candidate{pir->endport_lid, pir->subnet_prefix, 0, pir->capability_mask});
    }
    std::sort(out.begin(), out.end(),
              [](const Candidate& a, const Candidate& b) { return a.lid < b.lid; });
    return out;
  }

  // Old-SM path (and probe_all_ports): every node, then PortInfoRecord by LID.
  mad::NodeRecord all;
  SRP_ASSIGN_OR_RETURN(auto nrec, mad::EncodeNodeRecord(all));
  SRP_ASSIGN_OR_RETURN(mad::Mad nodes, SaQuery(mad::kMethodGetTable, mad::kAttrNodeRecord, 0, 0,
                                               std::span(nrec).first(mad::kNodeRecordSize)));
  if (nodes.status() != mad::kStatusOk) {
    if (nodes.status() == mad::kSaStatusNoRecords) return out;
    return Status(StatusCode::kRejected,
                  fmt::format("SA NodeRecord table: MAD status {:#06x}", nodes.status()));
  }
  for (auto r : Records(nodes, mad::kNodeRecordStride)) {
    auto nr = mad::DecodeNodeRecord(r);
    if (!nr.ok()) return nr.status().WithContext("NodeRecord");
    if (nr->lid == port_.local_port().lid && !options_.include_local_port) continue;
    mad::PortInfoRecord want;
    want.endport_lid = nr->lid;
    auto prec = mad::EncodePortInfoRecord(want);
    SRP_ASSIGN_OR_RETURN(mad::Mad resp, SaQuery(mad::kMethodGet, mad::kAttrPortInfoRecord, 0,
                                                mad::kPirCompEndportLid,
                                                std::span(prec).first(mad::kPortInfoRecordSize)));
    if (resp.status() != mad::kStatusOk) continue;  // port vanished meanwhile
    auto pir = mad::DecodePortInfoRecord(resp.sa_data());
    if (!pir.ok()) return pir.status().WithContext("PortInfoRecord");
    const bool dm = (pir->capability_mask & mad::kPortCapDeviceManagement) != 0;
    if (!dm && !options_.probe_all_ports) continue;
    out.push_back(Candidate{nr->lid, pir->subnet_prefix, nr->port_guid, pir->capability_mask});
  }
  std::sort(out.begin(), out.end(),
            [](const Candidate& a, const Candidate& b) { return a.lid < b.lid; });
  return out;
}

Result<uint64_t> Discovery::PortGuidOf(uint16_t lid) {
  mad::NodeRecord want;
  want.lid = lid;
  SRP_ASSIGN_OR_RETURN(auto rec, mad::EncodeNodeRecord(want));
  SRP_ASSIGN_OR_RETURN(mad::Mad resp,
                       SaQuery(mad::kMethodGet, mad::kAttrNodeRecord, 0, mad::kNrCompLid,
                               std::span(rec).first(mad::kNodeRecordSize)));
  if (resp.status() != mad::kStatusOk) {
    return Status(
        StatusCode::kNotFound,
        fmt::format("SA NodeRecord for LID {:#06x}: MAD status {:#06x}", lid, resp.status()));
  }
  SRP_ASSIGN_OR_RETURN(mad::NodeRecord nr, mad::DecodeNodeRecord(resp.sa_data()));
  return nr.port_guid;
}

Result<std::vector<uint16_t>> Discovery::SharedPkeys(uint16_t dlid) {
  std::vector<uint16_t> shared;
  const fabric::soft::PortRecord local = port_.local_port();
  for (uint16_t pkey : local.pkeys) {
    if ((pkey & 0x7fff) == 0) continue;
    mad::PathRecord want;
    want.slid = local.lid;
    want.dlid = dlid;
    want.pkey = pkey;
    auto rec = mad::EncodePathRecord(want);
    SRP_ASSIGN_OR_RETURN(mad::Mad resp,
                         SaQuery(mad::kMethodGet, mad::kAttrPathRecord, 0,
                                 mad::kPrCompDlid | mad::kPrCompSlid | mad::kPrCompPkey, rec));
    if (resp.status() != mad::kStatusOk) continue;  // e.g. no records: not shared (§11.3)
    auto pr = mad::DecodePathRecord(resp.sa_data());
    if (!pr.ok()) return pr.status().WithContext("PathRecord");
    if (std::find(shared.begin(), shared.end(), pr->pkey) == shared.end()) {
      shared.push_back(pr->pkey);
    }
  }
  return shared;
}

Result<DiscoveredTarget> Discovery::Probe(const Candidate& c, const std::vector<uint16_t>& pkeys,
                                          bool probe_only) {
  DiscoveredTarget t;
  t.lid = c.lid;
  t.gid = Gid::FromParts(c.subnet_prefix, c.port_guid);
  t.capability_mask = c.capability_mask;
  t.pkeys = pkeys;
  // The P_Key index of the first shared P_Key in the local table.
  const auto& local = port_.local_port().pkeys;
  uint16_t index = 0;
  for (size_t i = 0; i < local.size(); ++i) {
    if ((local[i] & 0x7fff) == (pkeys.front() & 0x7fff)) {
      index = static_cast<uint16_t>(i);
      break;
    }
  }
  mad::MadAddress to{.lid = c.lid, .pkey_index = index};
  DmClientOptions dm{options_.dm_timeout, options_.dm_retries};
  if (probe_only) dm = DmClientOptions{options_.probe_timeout, 0};
  DmClient client(port_, dm);
  SRP_ASSIGN_OR_RETURN(t.io_unit, client.GetIoUnitInfo(to));
  for (int slot = 1; slot <= t.io_unit.max_controllers; ++slot) {
    if (t.io_unit.controllers[slot - 1] != mad::kControllerPresent) continue;
    DiscoveredController ctrl;
    ctrl.slot = slot;
    SRP_ASSIGN_OR_RETURN(ctrl.profile, client.GetIoControllerProfile(to, slot));
    SRP_ASSIGN_OR_RETURN(ctrl.services,
                         client.GetAllServiceEntries(to, slot, ctrl.profile.num_service_entries));
    t.controllers.push_back(std::move(ctrl));
  }
  return t;
}

Result<DiscoveryResult> Discovery::Run() {
  SRP_ASSIGN_OR_RETURN(std::vector<Candidate> candidates, Candidates());
  DiscoveryResult result;
  for (Candidate& c : candidates) {
    const bool probe_only = (c.capability_mask & mad::kPortCapDeviceManagement) == 0;
    auto fail = [&](const Status& s) {
      result.errors.push_back(PortError{c.lid, Gid::FromParts(c.subnet_prefix, c.port_guid), s});
    };
    if (c.port_guid == 0) {
      auto guid = PortGuidOf(c.lid);
      if (!guid.ok()) {
        fail(guid.status());
        continue;
      }
      c.port_guid = *guid;
    }
    auto pkeys = SharedPkeys(c.lid);
    if (!pkeys.ok()) {
      fail(pkeys.status());
      continue;
    }
    if (pkeys->empty()) {
      if (!probe_only) fail(Status(StatusCode::kNotFound, "no shared P_Key"));
      continue;
    }
    auto target = Probe(c, *pkeys, probe_only);
    if (!target.ok()) {
      if (probe_only && target.status().code() == StatusCode::kTimedOut) {
        result.unanswered.push_back(c.lid);
      } else if (probe_only && target.status().code() == StatusCode::kRejected) {
        result.unanswered.push_back(c.lid);  // answers DM but has no I/O unit
      } else {
        fail(target.status());
      }
      continue;
    }
    result.targets.push_back(std::move(*target));
  }
  return result;
}

}  // namespace srp::discovery
