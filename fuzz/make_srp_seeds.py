#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_srp_decoders into fuzz/corpus/srp/.

Each seed is one selector byte (limits, see LimitsFrom in fuzz_srp_decoders.cc)
followed by a valid IU or add_target line, built from docs/srp-reference.md §1 / §6.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "srp")


def desc(va, rkey, length):
    return struct.pack(">QII", va, rkey, length)


def cmd(buf_fmt, out_cnt=0, in_cnt=0, add_cdb=b""):
    hdr = struct.pack(">BBxxxBBBQ4x8sxBxB16s", 0x02, 0, buf_fmt, out_cnt, in_cnt,
                      0x1122334455667788, bytes(8), 0, len(add_cdb), bytes([0x28] + [0] * 15))
    assert len(hdr) == 48
    return hdr + add_cdb


SEEDS = {
    "login_req": bytes([0]) + struct.pack(">B7xQI4xHBxH2x16s16s", 0, 1, 8260, 6, 0x81, 68,
                                          bytes(range(16)), bytes(range(16, 32))),
    "login_req_rdma": bytes([0]) + struct.pack(">QHBBI16s16sH6x", 1, 6, 0x80, 0, 8260,
                                               bytes(range(16)), bytes(range(16, 32)), 68),
    "login_rsp": bytes([0]) + struct.pack(">B3xIQIIHB25x", 0xC0, 64, 1, 8260, 256, 6, 0x80),
    "login_rej": bytes([0]) + struct.pack(">B3xIQ8xH6x", 0xC2, 0x00010002, 1, 6),
    "tsk_mgmt": bytes([0]) + struct.pack(">BB6xQ4x8s2xBxQ8x", 0x01, 0, 7, bytes(8), 0x01, 5),
    "i_logout": bytes([0]) + struct.pack(">B7xQ", 0x03, 9),
    "t_logout": bytes([0]) + struct.pack(">BBxxIQ", 0x80, 1, 0, 9),
    "cred_req": bytes([0]) + struct.pack(">BBxxIQ", 0x81, 0, 4, 9),
    "cred_rsp": bytes([0]) + struct.pack(">B7xQ", 0x41, 9),
    "aer_req": bytes([0]) + struct.pack(">BBxxIQ4x8sI4x", 0x82, 0, 1, 9, bytes(8), 4) + bytes(4),
    "aer_rsp": bytes([0]) + struct.pack(">B7xQ", 0x42, 9),
    "rsp_sense": bytes([0]) + struct.pack(">BBxxIQ2xBBIIII", 0xC1, 0, 1, 9, 0x02, 0x02, 0, 0,
                                          18, 0) + bytes([0x70, 0, 5] + [0] * 15),
    "rsp_tmf": bytes([0]) + struct.pack(">BBxxIQ2xBBIIII", 0xC1, 0, 1, 9, 0x01, 0, 0, 0, 0, 4)
    + bytes([0, 0, 0, 0]),
    "cmd_none": bytes([0]) + cmd(0x00),
    "cmd_direct_in": bytes([0]) + cmd(0x01) + desc(0x7f0000001000, 0x1234, 4096),
    "cmd_direct_out_addcdb": bytes([0]) + cmd(0x10, add_cdb=bytes(16))
    + desc(0x7f0000001000, 0x1234, 512),
    "cmd_indirect_in": bytes([0]) + cmd(0x02, 0, 2) + desc(0x9000, 0x55, 32)
    + struct.pack(">I", 8192) + desc(0x1000, 1, 4096) + desc(0x3000, 2, 4096),
    "cmd_indirect_external": bytes([0x80]) + cmd(0x20, 2, 0) + desc(0x9000, 0x55, 64)
    + struct.pack(">I", 4096) + desc(0x1000, 1, 1024) + desc(0x3000, 2, 1024),
    "cmd_immediate": bytes([0x10]) + cmd(0x30) + struct.pack(">I", 16) + bytes(16)
    + bytes(range(16)),
    "target_ib": bytes([0]) + b"id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,"
    b"dgid=fe800000000000000002c903000f1367,pkey=ffff,service_id=0002c903000f1366,"
    b"io_class=ff00,initiator_ext=0002c903000f1367,tl_retry_count=7,queue_size=128",
    "target_rdma": bytes([0]) + b"id_ext=1,ioc_guid=2,dest=[fe80::1%ib0]:5555,src=10.0.0.1\n"
    b"cmd_sg_entries=255,allow_ext_sg=1,sg_tablesize=2048,ch_count=2,max_it_iu_size=8260",
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
