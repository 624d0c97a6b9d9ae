// Internal: state shared by a soft fabric and everything it creates (QPs,
// listeners, accept handlers). Kept alive by shared_ptr so objects that outlive
// the Fabric handle stay safe (they see a shut-down engine).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "lib/common/ids.h"
#include "lib/fabric/soft/engine.h"
#include "lib/fabric/soft/fault_injector.h"
#include "lib/fabric/soft/key_table.h"

namespace srp::fabric::soft {

class ListenerCore;

struct FabricContext {
  std::shared_ptr<Engine> engine;
  std::shared_ptr<KeyTable> keys = std::make_shared<KeyTable>();
  FaultInjector faults;
  // Identity of the local port (immutable after open).
  Gid gid;
  uint64_t node_guid = 0;
  uint64_t port_guid = 0;
  std::vector<uint16_t> pkeys;
  std::atomic<uint32_t> next_qp_num{0x100};

  std::mutex mu;
  // IB-form listeners by service id.
  std::unordered_map<uint64_t, std::weak_ptr<ListenerCore>> ib_listeners;  // guarded by mu

  uint32_t NewQpNum() { return next_qp_num.fetch_add(1) & 0xffffff; }
  bool HasPkey(uint16_t pkey) const {
    for (uint16_t p : pkeys)
      if ((p & 0x7fff) == (pkey & 0x7fff)) return true;
    return false;
  }
  std::shared_ptr<ListenerCore> FindIbListener(uint64_t service_id) {
    std::lock_guard lock(mu);
    auto it = ib_listeners.find(service_id);
    return it == ib_listeners.end() ? nullptr : it->second.lock();
  }
};

}  // namespace srp::fabric::soft
