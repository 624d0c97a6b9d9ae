#include "target/app/device_factory.h"

#include <fmt/format.h>

#include "lib/common/log.h"
#include "target/backends/aio_backend.h"
#include "target/backends/file_backend.h"
#include "target/backends/memory_backend.h"
#include "target/backends/null_backend.h"
#include "target/backends/sg_passthrough.h"

namespace srp::target {
namespace {

using config::AttributeList;

struct CommonAttributes {
  uint32_t block_size = 512;
  bool read_only = false;
  bool nv_cache = false;
  bool write_through = false;
  bool thin_provisioned = true;
  uint64_t size = 0;
};

Result<CommonAttributes> ReadCommon(const AttributeList& attrs) {
  CommonAttributes c;
  SRP_ASSIGN_OR_RETURN(uint64_t bs, config::GetUint(attrs, "blocksize", 512));
  if (bs != 512 && bs != 4096)
    return InvalidArgument(fmt::format("blocksize {} is not 512 or 4096", bs));
  c.block_size = static_cast<uint32_t>(bs);
  SRP_ASSIGN_OR_RETURN(c.read_only, config::GetBool(attrs, "read_only", false));
  SRP_ASSIGN_OR_RETURN(c.nv_cache, config::GetBool(attrs, "nv_cache", false));
  SRP_ASSIGN_OR_RETURN(c.write_through, config::GetBool(attrs, "write_through", false));
  SRP_ASSIGN_OR_RETURN(c.thin_provisioned, config::GetBool(attrs, "thin_provisioned", true));
  SRP_ASSIGN_OR_RETURN(c.size, config::GetUint(attrs, "size", 0));
  return c;
}

Result<LogicalUnitOptions> ReadIdentity(const config::Handler& handler,
                                        const config::Device& device, uint32_t queue_depth,
                                        const CommonAttributes& common) {
  const AttributeList& attrs = device.attributes;
  LogicalUnitOptions lu;
  lu.name = device.name;
  lu.queue_depth = queue_depth;
  lu.read_only = common.read_only;
  const char* vendor = handler.name == config::kHandlerBlockio ? "SCST_BIO" : "SCST_FIO";
  lu.vendor = config::GetString(attrs, "t10_vend_id", vendor);
  lu.product = config::GetString(attrs, "prod_id", "");
  lu.revision = config::GetString(attrs, "prod_rev_lvl", lu.revision);
  lu.serial = config::GetString(attrs, "usn", "");
  if (const config::Attribute* naa = config::FindAttribute(attrs, "naa_id")) {
    std::string text = naa->value;
    if (text.rfind("0x", 0) != 0) text = "0x" + text;
    SRP_ASSIGN_OR_RETURN(uint64_t id, config::ParseUint(text));
    lu.naa_id = id;
  }
  SRP_ASSIGN_OR_RETURN(bool rotational, config::GetBool(attrs, "rotational", false));
  lu.medium_rotation_rate = rotational ? 0 : 1;
  return lu;
}

Result<std::shared_ptr<LogicalUnit>> Open(const config::Handler& handler,
                                          const config::Device& device, uint32_t queue_depth) {
  const AttributeList& attrs = device.attributes;
  SRP_ASSIGN_OR_RETURN(CommonAttributes c, ReadCommon(attrs));
  SRP_ASSIGN_OR_RETURN(LogicalUnitOptions lu, ReadIdentity(handler, device, queue_depth, c));
  const std::string filename = config::GetString(attrs, "filename");
  std::shared_ptr<BlockBackend> backend;
  if (handler.name == config::kHandlerNullio) {
    NullBackendOptions o;
    o.block_size = c.block_size;
    o.read_only = c.read_only;
    const uint64_t size = c.size != 0 ? c.size : o.num_blocks * 512;  // default: 1 TiB
    o.num_blocks = size / c.block_size;
    SRP_ASSIGN_OR_RETURN(backend, NullBackend::Create(o));
  } else if (handler.name == config::kHandlerMemory) {
    MemoryBackendOptions o;
    o.block_size = c.block_size;
    o.read_only = c.read_only;
    o.num_blocks = c.size / c.block_size;
    SRP_ASSIGN_OR_RETURN(backend, MemoryBackend::Create(o));
  } else if (handler.name == config::kHandlerFileio) {
    FileBackendOptions o;
    o.path = filename;
    o.block_size = c.block_size;
    o.size_bytes = c.size;
    o.nv_cache = c.nv_cache;
    o.write_through = c.write_through;
    SRP_ASSIGN_OR_RETURN(o.o_direct, config::GetBool(attrs, "o_direct", false));
    o.read_only = c.read_only;
    o.thin_provisioned = c.thin_provisioned;
    SRP_ASSIGN_OR_RETURN(backend, OpenFileBackend(o));
  } else if (handler.name == config::kHandlerBlockio) {
    AioBackendOptions o;
    o.path = filename;
    o.block_size = c.block_size;
    o.read_only = c.read_only;
    o.nv_cache = c.nv_cache;
    o.write_through = c.write_through;
    o.thin_provisioned = c.thin_provisioned;
    SRP_ASSIGN_OR_RETURN(backend, OpenAioBackend(o));
  } else if (handler.name == config::kHandlerDevDisk) {
    if (filename.empty()) return InvalidArgument("dev_disk needs filename /dev/sgN");
    SRP_ASSIGN_OR_RETURN(std::shared_ptr<PassThroughDevice> sg, OpenSgPassThrough(filename));
    return LogicalUnit::CreatePassThrough(std::move(lu), std::move(sg));
  } else {
    return InvalidArgument(fmt::format("unknown handler {}", handler.name));
  }
  return LogicalUnit::Create(std::move(lu), std::move(backend));
}

}  // namespace

Result<std::shared_ptr<LogicalUnit>> OpenConfiguredDevice(const config::Handler& handler,
                                                          const config::Device& device,
                                                          uint32_t queue_depth) {
  auto unit = Open(handler, device, queue_depth);
  if (!unit.ok()) {
    return config::ErrorAt(device.where,
                           fmt::format("device {}: {}", device.name, unit.status().message()));
  }
  return unit;
}

}  // namespace srp::target
