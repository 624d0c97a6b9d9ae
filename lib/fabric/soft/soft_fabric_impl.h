// Internal: the soft Fabric implementation class (shared by soft_fabric.cc,
// fault.cc and subnet_directory helpers that need the concrete type).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "lib/fabric/soft/context.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "lib/fabric/soft/subnet_directory.h"

namespace srp::fabric::soft {

class SoftFabric final : public Fabric {
 public:
  static Result<std::unique_ptr<SoftFabric>> Open(const SoftFabricOptions& options);
  // Closes every connection and listener socket, joins the engine thread and
  // unpublishes the port.
  ~SoftFabric() override;

  std::string backend_name() const override { return "soft"; }
  // The capability mask may change via SetCapabilityMask (a word-sized field).
  const PortAttributes& port() const override { return port_; }
  Result<std::unique_ptr<MemoryRegion>> RegisterMemory(void* addr, size_t length,
                                                       uint32_t access) override;
  Result<std::unique_ptr<CompletionQueue>> CreateCompletionQueue(int depth) override;
  Result<std::unique_ptr<Listener>> Listen(const Address& address) override;
  Result<ConnectReply> Connect(const ConnectParams& params) override;

  FabricContext& context() { return *ctx_; }
  Status UpdateCapabilityMask(uint32_t mask);
  const std::string& subnet_dir() const { return subnet_dir_; }

 private:
  SoftFabric() = default;

  std::shared_ptr<FabricContext> ctx_;
  std::string subnet_dir_;
  std::string socket_path_;
  int unix_fd_ = -1;
  uint64_t unix_id_ = 0;
  PortAttributes port_;
  std::mutex mu_;
  std::unique_ptr<PortPublication> publication_;  // guarded by mu_
};

}  // namespace srp::fabric::soft
