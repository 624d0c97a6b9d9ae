/* The request/response format between the srp-sg preload library (C, inside the tool's
 * process) and the broker in the srp-sg launcher, over a Unix stream socket. One socket per
 * opened device; one request at a time on it.
 *
 *   request:  SrpSgRequest, then dxfer_len bytes when direction is SRP_SG_DIR_OUT
 *   response: SrpSgResponse, then data_in_len bytes (data-in, already trimmed to what the
 *             target transferred)
 *
 * Both sides run on the same host and build, so fields are native-endian. Plain C so the
 * preload library needs no C++ runtime. */
#ifndef SRP_SG_BRIDGE_SG_WIRE_H_
#define SRP_SG_BRIDGE_SG_WIRE_H_

#include <stdint.h>

#define SRP_SG_MAGIC 0x53525047u /* "SRPG" */
#define SRP_SG_MAX_CDB 16u       /* what SRP_CMD carries without additional CDB bytes */
#define SRP_SG_MAX_SENSE 252u
#define SRP_SG_MAX_XFER (16u << 20) /* the target's default largest transfer */

/* Environment the launcher sets for the tool. */
#define SRP_SG_ENV_SOCKET "SRP_SG_SOCKET" /* broker socket path */
#define SRP_SG_ENV_LUNS "SRP_SG_LUNS"     /* "0,1": the LUN of /dev/srp-sg0, srp-sg1, ... */
#define SRP_SG_MAX_DEVICES 64u
#define SRP_SG_DEVICE_PREFIX "/dev/srp-sg"

enum SrpSgOp {
  SRP_SG_OP_SCSI = 1,  /* run the CDB on the device's LUN */
  SRP_SG_OP_RESET = 2, /* `reset_kind` below; answered with error 0 or an errno */
};

enum SrpSgDirection {
  SRP_SG_DIR_NONE = 0,
  SRP_SG_DIR_OUT = 1, /* to the device */
  SRP_SG_DIR_IN = 2,  /* from the device */
};

enum SrpSgResetKind {
  SRP_SG_RESET_DEVICE = 1, /* LOGICAL UNIT RESET on the device's LUN */
  SRP_SG_RESET_TARGET = 2, /* LOGICAL UNIT RESET on every LUN of the session */
};

struct SrpSgRequest {
  uint32_t magic;
  uint32_t op;
  uint32_t device;    /* N of /dev/srp-sgN */
  uint32_t direction; /* SrpSgDirection */
  uint32_t dxfer_len;
  uint32_t timeout_ms;
  uint32_t reset_kind;
  uint8_t cdb_len;
  uint8_t cdb[SRP_SG_MAX_CDB];
  uint8_t reserved[3];
};

struct SrpSgResponse {
  uint32_t magic;
  int32_t error; /* 0, or an errno the ioctl returns (nothing else is valid then) */
  uint8_t status;
  uint8_t host_status;   /* Linux DID_* */
  uint8_t driver_status; /* Linux DRIVER_SENSE when sense is present */
  uint8_t sense_len;
  uint32_t data_in_len;
  int32_t resid;
  uint32_t duration_ms;
  uint8_t sense[SRP_SG_MAX_SENSE];
};

/* Linux host_status values the broker uses (include/scsi/scsi_status.h). */
#define SRP_SG_DID_OK 0x00
#define SRP_SG_DID_NO_CONNECT 0x01
#define SRP_SG_DID_TIME_OUT 0x03
#define SRP_SG_DID_ERROR 0x07
#define SRP_SG_DRIVER_SENSE 0x08

#endif /* SRP_SG_BRIDGE_SG_WIRE_H_ */
