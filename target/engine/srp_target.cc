#include "target/engine/srp_target.h"

#include <fmt/format.h>

#include "lib/common/log.h"
#include "target/engine/poll_group.h"
#include "target/engine/scsi_executor.h"
#include "target/engine/srp_port.h"

namespace srp::target {

Status ValidateTargetConfig(const TargetConfig& c) {
  if (!c.luns && !c.access) return InvalidArgument("no LUN map configured");
  if (c.srp_max_message_size < 64 || c.srp_max_message_size > (1u << 20))
    return InvalidArgument(
        fmt::format("srp_max_message_size {} outside 64..1048576", c.srp_max_message_size));
  if (c.srp_max_rdma_size < 512 || c.srp_max_rdma_size > (16u << 20))
    return InvalidArgument(
        fmt::format("srp_max_rdma_size {} outside 512..16777216", c.srp_max_rdma_size));
  if (c.ring_size < 2 || c.ring_size > 4096)
    return InvalidArgument(fmt::format("ring size {} outside 2..4096", c.ring_size));
  if (c.send_queue_size < 16 || c.send_queue_size > 65535)
    return InvalidArgument(fmt::format("send queue size {} outside 16..65535", c.send_queue_size));
  if (c.thread != 0 && c.thread != 1) return InvalidArgument("thread must be 0 or 1");
  if (c.thread == 1 && (c.worker_threads < 1 || c.worker_threads > 256))
    return InvalidArgument("worker threads must be 1..256");
  if (c.poll_groups < 1 || c.poll_groups > 256)
    return InvalidArgument("poll groups must be 1..256");
  if (c.max_transfer == 0) return InvalidArgument("max transfer must be positive");
  if (c.pool_buffer_size == 0 || c.pool_buffers == 0) return InvalidArgument("empty buffer pool");
  if (c.max_channels == 0) return InvalidArgument("max channels must be positive");
  if (c.max_channels_per_initiator == 0)
    return InvalidArgument("max channels per initiator must be positive");
  if (!c.ib_listener && c.rdma_cm_port == 0) return InvalidArgument("no listener configured");
  return Status::Ok();
}

SrpTarget::SrpTarget(fabric::Fabric& fabric, TargetConfig config)
    : fabric_(fabric), config_(std::move(config)) {}

SrpTarget::~SrpTarget() { Stop(); }

Result<std::unique_ptr<SrpTarget>> SrpTarget::Start(fabric::Fabric& fabric, TargetConfig config) {
  SRP_RETURN_IF_ERROR(ValidateTargetConfig(config));
  if (!config.access) config.access = AccessControl::AllSee(config.luns);
  std::unique_ptr<SrpTarget> t(new SrpTarget(fabric, std::move(config)));
  const TargetConfig& c = t->config_;
  // Like LIO/SCST: id_ext = ioc_guid = one target GUID, by default the node GUID.
  t->id_ext_ = c.id_ext.value_or(fabric.port().node_guid);
  t->ioc_guid_ = c.ioc_guid.value_or(fabric.port().node_guid);
  if (c.thread == 1) {
    t->executor_ = std::make_unique<WorkerPool>(c.worker_threads);
  } else {
    t->executor_ = std::make_unique<InlineExecutor>();
  }
  t->port_ = std::make_unique<SrpPort>(fabric, t->config_, t->id_ext_, t->ioc_guid_);
  std::vector<PollGroup*> groups;
  for (int i = 0; i < c.poll_groups; ++i) {
    SRP_ASSIGN_OR_RETURN(
        auto g, PollGroup::Create(fabric, t->config_, t->executor_.get(), t->port_.get(), i));
    groups.push_back(g.get());
    t->groups_.push_back(std::move(g));
  }
  t->port_->SetGroups(groups);
  SRP_RETURN_IF_ERROR(t->port_->Listen());
  for (auto& g : t->groups_) g->Start();
  t->port_->Start();
  SRP_LOG(kInfo, "SRP target up: id_ext {:016x} ioc_guid {:016x}, thread {}, {} poll group(s)",
          t->id_ext_, t->ioc_guid_, c.thread, c.poll_groups);
  return t;
}

void SrpTarget::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (port_) port_->StopAccepting();
  for (auto& g : groups_) g->Shutdown();
  groups_.clear();
  executor_.reset();
  port_.reset();
}

std::vector<std::string> SrpTarget::login_lines() const {
  return port_ ? port_->LoginLines() : std::vector<std::string>{};
}

uint16_t SrpTarget::rdma_cm_port() const {
  if (!port_) return 0;
  for (const auto& l : port_->listeners())
    if (l->address().kind == fabric::Address::Kind::kIp) return l->address().port;
  return 0;
}

size_t SrpTarget::session_count() const { return port_ ? port_->session_count() : 0; }
size_t SrpTarget::channel_count() const { return port_ ? port_->channel_count() : 0; }
std::vector<SrpPort::SessionInfo> SrpTarget::sessions() const {
  return port_ ? port_->Sessions() : std::vector<SrpPort::SessionInfo>{};
}

}  // namespace srp::target
