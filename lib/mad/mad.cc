#include "lib/mad/mad.h"

#include <algorithm>

#include "lib/common/endian.h"

namespace srp::mad {

void EncodeMadHeader(const MadHeader& h, std::span<std::byte> out) {
  StoreU8(out.data() + 0, h.base_version);
  StoreU8(out.data() + 1, h.mgmt_class);
  StoreU8(out.data() + 2, h.class_version);
  StoreU8(out.data() + 3, h.method);
  StoreBe16(out, 4, h.status);
  StoreBe16(out, 6, h.class_specific);
  StoreBe64(out, 8, h.tid);
  StoreBe16(out, 16, h.attr_id);
  StoreBe16(out, 18, 0);
  StoreBe32(out, 20, h.attr_mod);
}

Result<MadHeader> DecodeMadHeader(std::span<const std::byte> in) {
  if (in.size() < kMadHeaderSize) return InvalidArgument("MAD shorter than its 24-byte header");
  MadHeader h;
  h.base_version = LoadU8(in.data() + 0);
  h.mgmt_class = LoadU8(in.data() + 1);
  h.class_version = LoadU8(in.data() + 2);
  h.method = LoadU8(in.data() + 3);
  h.status = LoadBe16(in, 4);
  h.class_specific = LoadBe16(in, 6);
  h.tid = LoadBe64(in, 8);
  h.attr_id = LoadBe16(in, 16);
  h.attr_mod = LoadBe32(in, 20);
  return h;
}

void EncodeSaHeader(const SaHeader& h, std::span<std::byte> out) {
  StoreU8(out.data() + 24, h.rmpp_version);
  StoreU8(out.data() + 25, h.rmpp_type);
  StoreU8(out.data() + 26, h.rmpp_rtime_flags);
  StoreU8(out.data() + 27, h.rmpp_status);
  StoreBe32(out, 28, h.seg_num);
  StoreBe32(out, 32, h.paylen_newwin);
  StoreBe64(out, 36, h.sm_key);
  StoreBe16(out, 44, h.attr_offset);
  StoreBe16(out, 46, 0);
  StoreBe64(out, 48, h.comp_mask);
}

Result<SaHeader> DecodeSaHeader(std::span<const std::byte> in) {
  if (in.size() < kSaDataOffset) return InvalidArgument("SA MAD shorter than its 56-byte header");
  SaHeader h;
  h.rmpp_version = LoadU8(in.data() + 24);
  h.rmpp_type = LoadU8(in.data() + 25);
  h.rmpp_rtime_flags = LoadU8(in.data() + 26);
  h.rmpp_status = LoadU8(in.data() + 27);
  h.seg_num = LoadBe32(in, 28);
  h.paylen_newwin = LoadBe32(in, 32);
  h.sm_key = LoadBe64(in, 36);
  h.attr_offset = LoadBe16(in, 44);
  h.comp_mask = LoadBe64(in, 48);
  return h;
}

Mad::Mad(const MadHeader& header) : bytes_(kMadSize) { set_header(header); }

Result<Mad> Mad::FromBytes(std::span<const std::byte> bytes) {
  if (bytes.size() < kMadSize)
    return InvalidArgument("MAD of " + std::to_string(bytes.size()) + " bytes, need 256");
  Mad mad;
  mad.bytes_.assign(bytes.begin(), bytes.end());
  return mad;
}

MadHeader Mad::header() const { return *DecodeMadHeader(bytes_); }
void Mad::set_header(const MadHeader& header) { EncodeMadHeader(header, bytes_); }
uint64_t Mad::tid() const { return LoadBe64(bytes(), 8); }
uint16_t Mad::status() const { return LoadBe16(bytes(), 4); }
void Mad::Resize(size_t size) { bytes_.resize(std::max(size, kMadSize)); }

Mad MakeDmRequest(uint8_t method, uint16_t attr_id, uint32_t attr_mod, uint64_t tid) {
  MadHeader h;
  h.mgmt_class = kClassDm;
  h.class_version = kDmClassVersion;
  h.method = method;
  h.tid = tid;
  h.attr_id = attr_id;
  h.attr_mod = attr_mod;
  return Mad(h);
}

Result<Mad> MakeSaRequest(uint8_t method, uint16_t attr_id, uint32_t attr_mod, uint64_t tid,
                          uint64_t comp_mask, std::span<const std::byte> record) {
  if (record.size() > kSaDataSize) return InvalidArgument("SA record larger than 200 bytes");
  MadHeader h;
  h.mgmt_class = kClassSa;
  h.class_version = kSaClassVersion;
  h.method = method;
  h.tid = tid;
  h.attr_id = attr_id;
  h.attr_mod = attr_mod;
  Mad mad(h);
  SaHeader sa;
  sa.attr_offset = static_cast<uint16_t>((record.size() + 7) / 8);
  sa.comp_mask = comp_mask;
  EncodeSaHeader(sa, mad.bytes());
  std::copy(record.begin(), record.end(), mad.sa_data().begin());
  return mad;
}

Mad MakeResponse(const Mad& request, uint16_t status) {
  Mad response;
  MadHeader h = request.header();
  h.method = h.method == kMethodGetTable ? kMethodGetTableResp : kMethodGetResp;
  h.status = status;
  response.set_header(h);
  if (h.mgmt_class == kClassSa) {
    std::copy_n(request.bytes().begin() + kSaHeaderOffset, kSaDataOffset - kSaHeaderOffset,
                response.bytes().begin() + kSaHeaderOffset);
  }
  return response;
}

}  // namespace srp::mad
