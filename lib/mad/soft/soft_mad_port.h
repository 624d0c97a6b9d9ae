// The soft backend of the MAD seam.
//
// Transport: each open soft MadPort binds a unix datagram socket
// `<subnet_dir>/mad/<port name>.sock`. Send looks the destination LID up in the
// subnet directory and sends one datagram: a 20-byte envelope followed by the MAD.
//   0 magic "SMAD"  4 version (1)  5 reserved  6 source LID(2)  8 source QPN(4)
//  12 Q_Key(4)     16 P_Key(2)  18 reserved(2)   20 MAD (>= 256 bytes)
// Only QP1 (the GSI) is emulated; datagrams with another Q_Key are dropped.
// The sender's P_Key index selects the P_Key from its own table; the receiver
// drops a MAD whose P_Key (without the membership bit) it does not hold, and
// reports the index of that P_Key in its own table as from.pkey_index.
// As on IB, a MAD to a LID without a port, or to a port without an open
// MadPort, or to a full socket, is lost silently (the requester times out).
//
// SA: SA-class requests sent to sm_lid() are answered inside this process by
// the built-in SA (soft_sa.h) from a fresh ListPorts() of the directory, and
// queued for Receive(). sm_lid() is the port's published sm_lid, or its own
// LID when that is 0 (the soft subnet has no SM process: every port reaches
// the built-in SA). GetTable answers come back as one long Mad (no RMPP).
#pragma once

#include <memory>
#include <string>

#include "lib/common/status.h"
#include "lib/mad/mad_port.h"

namespace srp::mad {

// Opens a MadPort on the published soft port `port_name` of `subnet_dir`.
// kNotFound if the port is not published; kAlreadyExists if a MadPort is
// already open on it.
Result<std::unique_ptr<MadPort>> OpenSoftMadPort(const std::string& subnet_dir,
                                                 const std::string& port_name);

// `<subnet_dir>/mad/<port_name>.sock`.
std::string SoftMadSocketPath(const std::string& subnet_dir, const std::string& port_name);

}  // namespace srp::mad
