#include "tests/fabric/integration/peer_support.h"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace srp::fabric::integration {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

constexpr uint64_t kSendFlag = 1ull << 32;

}  // namespace

void FillPattern(std::span<std::byte> out, uint64_t seed, uint64_t offset) {
  const uint64_t key = Mix64(seed);
  uint64_t word_index = ~0ull;
  uint64_t word = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const uint64_t pos = offset + i;
    if ((pos >> 3) != word_index) {
      word_index = pos >> 3;
      word = Mix64(key ^ word_index);
    }
    out[i] = static_cast<std::byte>(word >> ((pos & 7) * 8));
  }
}

uint64_t Checksum(std::span<const std::byte> data) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (std::byte b : data) {
    h ^= static_cast<uint8_t>(b);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string BytesToHex(std::span<const std::byte> data) {
  if (data.empty()) return "-";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::byte b : data) out += fmt::format("{:02x}", static_cast<uint8_t>(b));
  return out;
}

Result<std::vector<std::byte>> HexToBytes(std::string_view text) {
  std::vector<std::byte> out;
  if (text == "-") return out;
  if (text.size() % 2 != 0) return InvalidArgument(fmt::format("odd-length hex '{}'", text));
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgument(fmt::format("bad hex '{}'", text));
    out.push_back(static_cast<std::byte>(hi * 16 + lo));
  }
  return out;
}

std::vector<std::byte> StringBytes(std::string_view text) {
  std::vector<std::byte> out(text.size());
  std::memcpy(out.data(), text.data(), text.size());
  return out;
}

std::vector<std::string> SplitWords(std::string_view line) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    if (end > pos) words.emplace_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return words;
}

// ------------------------------------------------------- MessageEndpoint ---

Result<std::unique_ptr<MessageEndpoint>> MessageEndpoint::Create(Fabric& fabric) {
  std::unique_ptr<MessageEndpoint> ep(new MessageEndpoint());
  SRP_ASSIGN_OR_RETURN(ep->cq_, fabric.CreateCompletionQueue(512));
  ep->slots_.resize(static_cast<size_t>(kRecvSlots + kSendSlots) * kSlotSize);
  SRP_ASSIGN_OR_RETURN(ep->slots_mr_, fabric.RegisterMemory(ep->slots_.data(), ep->slots_.size(),
                                                            kAccessLocalWrite));
  ep->send_busy_.assign(kSendSlots, false);
  return ep;
}

MessageEndpoint::~MessageEndpoint() = default;

QpOptions MessageEndpoint::qp_options() const {
  QpOptions qp;
  qp.send_cq = cq_.get();
  qp.recv_cq = cq_.get();
  qp.max_send_wr = kSendSlots + 64;
  qp.max_recv_wr = kRecvSlots;
  qp.max_send_sge = 1;
  qp.max_recv_sge = 1;
  return qp;
}

std::span<std::byte> MessageEndpoint::Slot(int index) {
  return std::span<std::byte>(slots_).subspan(static_cast<size_t>(index) * kSlotSize, kSlotSize);
}

Status MessageEndpoint::RepostRecv(int slot) {
  const std::span<std::byte> buf = Slot(slot);
  const Sge sge{reinterpret_cast<uint64_t>(buf.data()), kSlotSize, slots_mr_->lkey()};
  const RecvRequest rr{kMessageWrIdBase | static_cast<uint64_t>(slot),
                       std::span<const Sge>(&sge, 1)};
  return connection_->PostRecv(std::span<const RecvRequest>(&rr, 1));
}

Status MessageEndpoint::Attach(std::unique_ptr<Connection> connection) {
  connection_ = std::move(connection);
  std::vector<Sge> sges(kRecvSlots);
  std::vector<RecvRequest> batch(kRecvSlots);
  for (int i = 0; i < kRecvSlots; ++i) {
    sges[i] = Sge{reinterpret_cast<uint64_t>(Slot(i).data()), kSlotSize, slots_mr_->lkey()};
    batch[i] =
        RecvRequest{kMessageWrIdBase | static_cast<uint64_t>(i), std::span<const Sge>(&sges[i], 1)};
  }
  return connection_->PostRecv(batch);
}

Status MessageEndpoint::PollOnce(size_t* handled) {
  Completion wcs[32];
  const size_t n = cq_->Poll(wcs);
  *handled = n;
  for (size_t i = 0; i < n; ++i) {
    const Completion& wc = wcs[i];
    if (wc.wr_id < kMessageWrIdBase) {
      other_completions_.push_back(wc);
      continue;
    }
    const bool is_send = (wc.wr_id & kSendFlag) != 0;
    const int slot = static_cast<int>(wc.wr_id & 0xffffffffu);
    if (is_send) send_busy_[slot] = false;
    if (wc.status != WcStatus::kSuccess) {
      message_errors_.push_back(wc);
      failed_ = true;
      continue;
    }
    if (!is_send) {
      const std::span<std::byte> buf = Slot(slot);
      received_.emplace_back(reinterpret_cast<const char*>(buf.data()),
                             std::min<size_t>(wc.byte_len, kSlotSize));
      if (!failed_) SRP_RETURN_IF_ERROR(RepostRecv(slot));
    }
  }
  return Status::Ok();
}

void MessageEndpoint::WaitForActivity(std::chrono::milliseconds cap, bool with_events) {
  // A completion that races with ArmNotify costs at most `cap` of latency.
  pollfd fds[2] = {{cq_->event_fd(), POLLIN, 0}, {-1, POLLIN, 0}};
  if (connection_ && with_events) fds[1].fd = connection_->event_fd();
  if (!cq_->ArmNotify().ok()) fds[0].fd = -1;
  ::poll(fds, 2, static_cast<int>(cap.count()));
  if (fds[0].fd >= 0 && (fds[0].revents & POLLIN)) cq_->AckEvent();
}

Status MessageEndpoint::Send(std::string_view message, std::chrono::milliseconds timeout) {
  if (message.size() > kSlotSize) return InvalidArgument("message larger than a slot");
  const auto deadline = Clock::now() + timeout;
  while (send_busy_[next_send_]) {
    if (failed_) return Status(StatusCode::kDisconnected, "connection failed");
    size_t handled = 0;
    SRP_RETURN_IF_ERROR(PollOnce(&handled));
    if (handled > 0) continue;
    if (Clock::now() > deadline) return Status(StatusCode::kTimedOut, "no free send slot");
    WaitForActivity(std::chrono::milliseconds(2), /*with_events=*/false);
  }
  if (failed_) return Status(StatusCode::kDisconnected, "connection failed");
  const int slot = next_send_;
  next_send_ = (next_send_ + 1) % kSendSlots;
  std::span<std::byte> buf = Slot(kRecvSlots + slot);
  std::memcpy(buf.data(), message.data(), message.size());
  const Sge sge{reinterpret_cast<uint64_t>(buf.data()), static_cast<uint32_t>(message.size()),
                slots_mr_->lkey()};
  send_busy_[slot] = true;
  Status st = connection_->PostSendMessage(kMessageWrIdBase | kSendFlag | slot,
                                           std::span<const Sge>(&sge, 1), /*signaled=*/true);
  if (!st.ok()) send_busy_[slot] = false;
  return st;
}

Result<std::string> MessageEndpoint::Receive(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!received_.empty()) {
      std::string msg = std::move(received_.front());
      received_.pop_front();
      return msg;
    }
    if (failed_) return Status(StatusCode::kDisconnected, "connection failed");
    size_t handled = 0;
    SRP_RETURN_IF_ERROR(PollOnce(&handled));
    if (handled > 0) continue;
    const ConnectionState state = connection_->state();
    if (state == ConnectionState::kError || state == ConnectionState::kDisconnected) {
      return Status(StatusCode::kDisconnected,
                    fmt::format("connection {}", ConnectionStateName(state)));
    }
    if (Clock::now() > deadline) return Status(StatusCode::kTimedOut, "no message");
    WaitForActivity(std::chrono::milliseconds(2), /*with_events=*/false);
  }
}

Result<std::string> MessageEndpoint::Call(std::string_view message,
                                          std::chrono::milliseconds timeout) {
  SRP_RETURN_IF_ERROR(Send(message, timeout));
  return Receive(timeout);
}

Result<Incoming> MessageEndpoint::ReceiveOrEvent(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!received_.empty()) {
      std::string msg = std::move(received_.front());
      received_.pop_front();
      return Incoming(std::move(msg));
    }
    while (auto ev = connection_->NextEvent()) {
      if (ev->type != ConnectionEventType::kEstablished) return Incoming(*ev);
    }
    size_t handled = 0;
    SRP_RETURN_IF_ERROR(PollOnce(&handled));
    if (handled > 0) continue;
    if (Clock::now() > deadline) return Status(StatusCode::kTimedOut, "no message or event");
    WaitForActivity(std::chrono::milliseconds(2), /*with_events=*/true);
  }
}

Result<Completion> MessageEndpoint::WaitCompletion(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!other_completions_.empty()) {
      Completion wc = other_completions_.front();
      other_completions_.pop_front();
      return wc;
    }
    size_t handled = 0;
    SRP_RETURN_IF_ERROR(PollOnce(&handled));
    if (handled > 0) continue;
    if (Clock::now() > deadline) return Status(StatusCode::kTimedOut, "no completion");
    WaitForActivity(std::chrono::milliseconds(2), /*with_events=*/false);
  }
}

Result<ConnectionEvent> MessageEndpoint::WaitEvent(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    while (auto ev = connection_->NextEvent()) {
      if (ev->type != ConnectionEventType::kEstablished) return *ev;
    }
    size_t handled = 0;
    SRP_RETURN_IF_ERROR(PollOnce(&handled));
    if (handled > 0) continue;
    if (Clock::now() > deadline) return Status(StatusCode::kTimedOut, "no connection event");
    WaitForActivity(std::chrono::milliseconds(2), /*with_events=*/true);
  }
}

Result<Completion> RdmaTransfer(MessageEndpoint& ep, WrOpcode opcode, MemoryRegion& mr,
                                std::span<std::byte> local, const RemoteBuffer& remote,
                                uint64_t offset, std::chrono::milliseconds timeout,
                                uint32_t rkey_override) {
  static std::atomic<uint64_t> next_wr_id{1};
  const uint64_t wr_id = next_wr_id++;
  const Sge sge{reinterpret_cast<uint64_t>(local.data()), static_cast<uint32_t>(local.size()),
                mr.lkey()};
  WorkRequest wr;
  wr.wr_id = wr_id;
  wr.opcode = opcode;
  wr.sg_list = std::span<const Sge>(&sge, 1);
  wr.remote_addr = remote.addr + offset;
  wr.rkey = rkey_override != 0 ? rkey_override : remote.rkey;
  wr.signaled = true;
  SRP_RETURN_IF_ERROR(ep.connection().PostSend(std::span<const WorkRequest>(&wr, 1)));
  SRP_ASSIGN_OR_RETURN(Completion wc, ep.WaitCompletion(timeout));
  if (wc.wr_id != wr_id) {
    return Internal(fmt::format("completion for wr_id {} while waiting for {}", wc.wr_id, wr_id));
  }
  return wc;
}

}  // namespace srp::fabric::integration
