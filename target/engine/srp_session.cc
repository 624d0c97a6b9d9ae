#include "target/engine/srp_session.h"

#include <algorithm>

namespace srp::target {

NexusKey MakeNexusKey(const wire::PortId& initiator, const wire::PortId& target) {
  NexusKey key{};
  std::copy(initiator.begin(), initiator.end(), key.begin());
  std::copy(target.begin(), target.end(), key.begin() + wire::kPortIdSize);
  return key;
}

}  // namespace srp::target
