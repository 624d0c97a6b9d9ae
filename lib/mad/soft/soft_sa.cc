#include "lib/mad/soft/soft_sa.h"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "lib/common/endian.h"
#include "lib/mad/dm_codec.h"
#include "lib/mad/sa_codec.h"

namespace srp::mad {
namespace {

using fabric::soft::PortRecord;

inline constexpr uint16_t kStatusBadVersion = 0x0004;
inline constexpr uint8_t kSoftPortNum = 1;

// Records in encoded form plus their stride.
struct Matches {
  size_t stride = 0;
  std::vector<std::vector<std::byte>> records;
};

PortInfoRecord MakePortInfoRecord(const PortRecord& p) {
  PortInfoRecord r;
  r.endport_lid = p.lid;
  r.port_num = kSoftPortNum;
  r.subnet_prefix = p.subnet_prefix;
  r.lid = p.lid;
  r.master_sm_lid = p.sm_lid;
  r.capability_mask = p.capability_mask;
  r.local_port_num = kSoftPortNum;
  r.link_width_active = 2;  // 4x
  r.port_state = kPortStateActive;
  r.port_phys_state = 5;  // LinkUp
  return r;
}

NodeRecord MakeNodeRecord(const PortRecord& p) {
  NodeRecord r;
  r.lid = p.lid;
  r.base_version = kBaseVersion;
  r.class_version = 1;
  r.node_type = kNodeTypeCa;
  r.num_ports = 1;
  r.sys_image_guid = p.node_guid;
  r.node_guid = p.node_guid;
  r.port_guid = p.port_guid;
  r.partition_cap = static_cast<uint16_t>(p.pkeys.size());
  r.local_port_num = kSoftPortNum;
  r.vendor_id = static_cast<uint32_t>(fabric::soft::kSoftOui & 0xffffff);
  r.description = p.name.substr(0, kNodeDescriptionSize);
  return r;
}

template <size_t N>
std::vector<std::byte> ToVector(const std::array<std::byte, N>& a) {
  return std::vector<std::byte>(a.begin(), a.end());
}

Matches MatchPortInfo(std::span<const PortRecord> ports, const Mad& req, uint64_t comp) {
  Matches m{kPortInfoRecordStride, {}};
  PortInfoRecord want = *DecodePortInfoRecord(req.sa_data());
  bool cap_match = (req.header().attr_mod & kPortInfoCapMaskMatchAttrMod) != 0;
  for (const PortRecord& p : ports) {
    if ((comp & kPirCompEndportLid) && p.lid != want.endport_lid) continue;
    if ((comp & kPirCompPortNum) && want.port_num != kSoftPortNum) continue;
    if ((comp & kPirCompLid) && p.lid != want.lid) continue;
    if (comp & kPirCompCapabilityMask) {
      bool ok = cap_match ? (p.capability_mask & want.capability_mask) == want.capability_mask
                          : p.capability_mask == want.capability_mask;
      if (!ok) continue;
    }
    m.records.push_back(ToVector(EncodePortInfoRecord(MakePortInfoRecord(p))));
  }
  return m;
}

Matches MatchNode(std::span<const PortRecord> ports, const Mad& req, uint64_t comp) {
  Matches m{kNodeRecordStride, {}};
  NodeRecord want = *DecodeNodeRecord(req.sa_data());
  for (const PortRecord& p : ports) {
    if ((comp & kNrCompLid) && p.lid != want.lid) continue;
    if ((comp & kNrCompNodeGuid) && p.node_guid != want.node_guid) continue;
    if ((comp & kNrCompPortGuid) && p.port_guid != want.port_guid) continue;
    auto encoded = EncodeNodeRecord(MakeNodeRecord(p));
    if (encoded.ok()) m.records.push_back(ToVector(*encoded));
  }
  return m;
}

const PortRecord* FindEnd(std::span<const PortRecord> ports, bool by_lid, uint16_t lid,
                          const Gid& gid) {
  for (const PortRecord& p : ports) {
    if (by_lid ? p.lid == lid : p.gid == gid) return &p;
  }
  return nullptr;
}

std::optional<uint16_t> SharedPkey(const PortRecord& a, const PortRecord& b,
                                   std::optional<uint16_t> want) {
  auto holds = [](const PortRecord& p, uint16_t key) {
    return std::any_of(p.pkeys.begin(), p.pkeys.end(), [key](uint16_t k) {
      return (k & 0x7fff) == (key & 0x7fff) && (k & 0x7fff) != 0;
    });
  };
  if (want) {
    if (holds(a, *want) && holds(b, *want)) return *want;
    return std::nullopt;
  }
  for (uint16_t k : a.pkeys)
    if (holds(b, k)) return k;
  return std::nullopt;
}

// Returns kSaStatusInsufficientComponents (as a status) when an end is unspecified.
uint16_t MatchPath(std::span<const PortRecord> ports, const Mad& req, uint64_t comp, Matches* m) {
  m->stride = kPathRecordSize;
  PathRecord want = *DecodePathRecord(req.sa_data());
  bool src_by_lid = (comp & kPrCompSlid) != 0, dst_by_lid = (comp & kPrCompDlid) != 0;
  if ((!src_by_lid && !(comp & kPrCompSgid)) || (!dst_by_lid && !(comp & kPrCompDgid)))
    return kSaStatusInsufficientComponents;
  const PortRecord* src = FindEnd(ports, src_by_lid, want.slid, want.sgid);
  const PortRecord* dst = FindEnd(ports, dst_by_lid, want.dlid, want.dgid);
  if (src == nullptr || dst == nullptr) return kStatusOk;
  std::optional<uint16_t> want_pkey;
  if (comp & kPrCompPkey) want_pkey = want.pkey;
  std::optional<uint16_t> pkey = SharedPkey(*src, *dst, want_pkey);
  if (!pkey) return kStatusOk;
  PathRecord r;
  r.dgid = dst->gid;
  r.sgid = src->gid;
  r.dlid = dst->lid;
  r.slid = src->lid;
  r.reversible = true;
  r.numb_path = 1;
  r.pkey = *pkey;
  r.mtu_selector = 2;  // exactly
  r.mtu = 4;           // 2048
  r.rate_selector = 2;
  r.rate = 3;  // 10 Gb/s
  r.packet_life_selector = 2;
  r.packet_life = kSoftSaRespTimeValue;
  m->records.push_back(ToVector(EncodePathRecord(r)));
  return kStatusOk;
}

Mad WithRecords(const Mad& req, const Matches& m) {
  bool table = req.method() == kMethodGetTable;
  if (!table && m.records.empty()) return MakeResponse(req, kSaStatusNoRecords);
  if (!table && m.records.size() > 1) return MakeResponse(req, kSaStatusTooManyRecords);
  Mad resp = MakeResponse(req, kStatusOk);
  SaHeader sa = *DecodeSaHeader(resp.bytes());
  sa.attr_offset = static_cast<uint16_t>(m.stride / 8);
  EncodeSaHeader(sa, resp.bytes());
  resp.Resize(kSaDataOffset + m.records.size() * m.stride);
  std::span<std::byte> data = resp.sa_data();
  for (size_t i = 0; i < m.records.size(); ++i)
    std::copy(m.records[i].begin(), m.records[i].end(), data.begin() + i * m.stride);
  return resp;
}

}  // namespace

Mad AnswerSaQuery(std::span<const PortRecord> ports, const Mad& request) {
  MadHeader h = request.header();
  if (h.mgmt_class != kClassSa || request.is_response())
    return MakeResponse(request, kStatusUnsupportedMethod);
  if (h.class_version != kSaClassVersion) return MakeResponse(request, kStatusBadVersion);
  if (h.method != kMethodGet && h.method != kMethodGetTable && h.method != kMethodSet)
    return MakeResponse(request, kStatusUnsupportedMethod);
  const uint64_t comp = DecodeSaHeader(request.bytes())->comp_mask;
  switch (h.attr_id) {
    case kAttrClassPortInfo: {
      if (h.method != kMethodGet) break;
      ClassPortInfo info;
      info.base_version = kBaseVersion;
      info.class_version = kSaClassVersion;
      info.capability_mask = kSaCapPortInfoCapMaskMatch;
      info.resp_time_value = kSoftSaRespTimeValue;
      Matches m{kClassPortInfoSize, {ToVector(EncodeClassPortInfo(info))}};
      return WithRecords(request, m);
    }
    case kAttrPortInfoRecord:
      if (h.method == kMethodSet) break;
      return WithRecords(request, MatchPortInfo(ports, request, comp));
    case kAttrNodeRecord:
      if (h.method == kMethodSet) break;
      return WithRecords(request, MatchNode(ports, request, comp));
    case kAttrPathRecord: {
      if (h.method == kMethodSet) break;
      Matches m;
      uint16_t status = MatchPath(ports, request, comp, &m);
      if (status != kStatusOk) return MakeResponse(request, status);
      return WithRecords(request, m);
    }
    default:
      break;
  }
  return MakeResponse(request, kStatusUnsupportedMethodAttr);
}

}  // namespace srp::mad
