// The example configuration of reference §8, shared by the config tests.
#pragma once

#include <string_view>

namespace srp::target::config::testing {

inline constexpr std::string_view kReferenceExample = R"(HANDLER vdisk_fileio {
        DEVICE disk01 {
                filename /srv/disk01.img
                nv_cache 1
        }
}
HANDLER vdisk_blockio {
        DEVICE disk02 {
                filename /dev/sdb
        }
}
HANDLER vdisk_nullio {
        DEVICE null01
}
TARGET_DRIVER ib_srpt {
        TARGET fe80:0000:0000:0000:0002:c903:0005:f34f {   # target = local port GID
                enabled 1
                rel_tgt_id 1
                LUN 0 disk01                                # default group: all initiators
                GROUP grp1 {
                        LUN 0 disk02
                        INITIATOR fe80:0000:0000:0000:0002:c903:0005:f34b   # session name
                }
        }
}
)";

}  // namespace srp::target::config::testing
