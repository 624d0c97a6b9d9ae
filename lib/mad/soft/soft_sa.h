// The soft subnet's built-in SA: answers SA queries from the ports published in
// the soft-subnet directory. Pure: the caller passes the port list.
//
// Supported (what srp_daemon / srp-discover send, srp-reference.md §5.4):
//   ClassPortInfo GET     base 1, class 2, CapabilityMask bit 13 (cap-mask match), resp time 18.
//   PortInfoRecord GET/GetTable  comp mask EndportLID, PortNum, LID, CapabilityMask;
//                         attr_mod 0x80000000 = CapabilityMask bits must all be set, else equal.
//   NodeRecord GET/GetTable  comp mask LID, NodeGUID, PortGUID.
//   PathRecord GET/GetTable  source by SLID or SGID, destination by DLID or DGID, optional
//                         P_Key (compared without the membership bit); a path exists when both
//                         ports hold the P_Key (without it: the first shared one).
// Other component-mask bits are ignored. Get with no match answers status
// kSaStatusNoRecords (0x0300), more than one kSaStatusTooManyRecords; GetTable
// answers every match (possibly none) with status 0, records concatenated at
// offset 56 with stride attr_offset*8 in one Mad (no RMPP segmentation).
#pragma once

#include <span>

#include "lib/fabric/soft/subnet_directory.h"
#include "lib/mad/mad.h"

namespace srp::mad {

// SA response time value advertised in ClassPortInfo (4.096 us * 2^18 ~ 1 s).
inline constexpr uint8_t kSoftSaRespTimeValue = 18;

// The response to SA `request` over `ports`. Requests of another class, or
// responses, are answered with kStatusUnsupportedMethod.
Mad AnswerSaQuery(std::span<const fabric::soft::PortRecord> ports, const Mad& request);

}  // namespace srp::mad
