#include "target/config/scst_config_parser.h"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

#include "target/config/config_check.h"

namespace srp::target::config {
namespace {

enum class TokenKind { kWord, kOpen, kClose, kNewline, kEnd };

struct Token {
  TokenKind kind;
  std::string text;
  bool quoted = false;
  int line = 0;
};

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool EndsWord(char c) { return IsBlank(c) || c == '\n' || c == '{' || c == '}' || c == '"'; }

Result<std::vector<Token>> Tokenize(std::string_view text, const std::string& file) {
  std::vector<Token> out;
  int line = 1;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (IsBlank(c)) {
      ++i;
    } else if (c == '\n') {
      out.push_back({TokenKind::kNewline, {}, false, line++});
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '{' || c == '}') {
      out.push_back(
          {c == '{' ? TokenKind::kOpen : TokenKind::kClose, std::string(1, c), false, line});
      ++i;
    } else if (c == '"') {
      int start_line = line;
      std::string word;
      ++i;
      for (;;) {
        if (i >= text.size() || text[i] == '\n') {
          return ErrorAt({file, start_line}, "unterminated quoted value");
        }
        if (text[i] == '"') break;
        if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) {
          ++i;
        }
        word += text[i++];
      }
      ++i;  // closing quote
      if (i < text.size() && !EndsWord(text[i]) && text[i] != '#') {
        return ErrorAt({file, start_line}, "a quoted value must be followed by a blank");
      }
      out.push_back({TokenKind::kWord, std::move(word), true, start_line});
    } else {
      size_t start = i;
      while (i < text.size() && !EndsWord(text[i])) ++i;
      out.push_back({TokenKind::kWord, std::string(text.substr(start, i - start)), false, line});
    }
  }
  out.push_back({TokenKind::kEnd, {}, false, line});
  return out;
}

enum class Context { kTop, kHandler, kDevice, kDriver, kTarget, kGroup, kLun };

// One statement: its words, and whether it opens a block.
struct Statement {
  std::vector<Token> words;
  bool opens_block = false;
  int line = 0;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string file)
      : tokens_(std::move(tokens)), file_(std::move(file)) {}

  Result<Configuration> Run() {
    Configuration config;
    SRP_RETURN_IF_ERROR(ParseTop(config));
    return config;
  }

 private:
  SourceLocation At(int line) const { return SourceLocation{file_, line}; }

  // Reads the next statement of a block. Returns false at the block's end:
  // a '}' (consumed) or the end of input (an error unless at top level).
  Result<bool> Next(Statement& st, Context context, const std::string& opener, int open_line) {
    for (;;) {
      const Token& t = tokens_[pos_];
      switch (t.kind) {
        case TokenKind::kNewline:
          ++pos_;
          continue;
        case TokenKind::kEnd:
          if (context == Context::kTop) return false;
          return ErrorAt(At(open_line),
                         fmt::format("unbalanced braces: '{} {{' is never closed", opener));
        case TokenKind::kClose:
          if (context == Context::kTop) {
            return ErrorAt(At(t.line), "unbalanced braces: '}' without an open block");
          }
          ++pos_;
          return false;
        case TokenKind::kOpen:
          return ErrorAt(At(t.line), "'{' without a keyword before it");
        case TokenKind::kWord:
          break;
      }
      st = Statement{};
      st.line = t.line;
      while (tokens_[pos_].kind == TokenKind::kWord) st.words.push_back(tokens_[pos_++]);
      if (tokens_[pos_].kind == TokenKind::kOpen) {
        st.opens_block = true;
        ++pos_;
      }
      return true;
    }
  }

  static bool LooksLikeKeyword(const Token& t) {
    return !t.quoted && !t.text.empty() && std::isupper(static_cast<unsigned char>(t.text[0]));
  }

  static bool IsStructureKeyword(std::string_view w) {
    return w == "HANDLER" || w == "DEVICE" || w == "TARGET_DRIVER" || w == "TARGET" ||
           w == "GROUP" || w == "LUN" || w == "INITIATOR";
  }

  // Rejects a keyword/attribute that does not belong in `where_text`.
  Status Misplaced(const Statement& st, std::string_view where_text) const {
    const std::string& w = st.words[0].text;
    if (w == "INITIATOR") return ErrorAt(At(st.line), "INITIATOR outside a GROUP");
    if (IsStructureKeyword(w)) {
      return ErrorAt(At(st.line), fmt::format("'{}' is not allowed {}", w, where_text));
    }
    if (LooksLikeKeyword(st.words[0])) {
      return ErrorAt(At(st.line), fmt::format("unknown keyword '{}' {}", w, where_text));
    }
    return ErrorAt(At(st.line), fmt::format("attribute '{}' is not allowed {}", w, where_text));
  }

  // KEYWORD name: exactly one name.
  Result<std::string> NameOf(const Statement& st) const {
    if (st.words.size() != 2) {
      return ErrorAt(At(st.line), fmt::format("'{}' takes exactly one name, got {}",
                                              st.words[0].text, st.words.size() - 1));
    }
    return st.words[1].text;
  }

  Status AddAttribute(const Statement& st, AttributeList& attrs, std::string_view where_text) {
    if (LooksLikeKeyword(st.words[0])) return Misplaced(st, where_text);
    const std::string& key = st.words[0].text;
    if (st.opens_block) {
      return ErrorAt(At(st.line), fmt::format("attribute '{}' cannot open a block", key));
    }
    if (st.words.size() == 1) {
      return ErrorAt(At(st.line), fmt::format("attribute '{}' has no value", key));
    }
    if (st.words.size() > 2) {
      return ErrorAt(At(st.line), fmt::format("attribute '{}' has {} values; quote a value "
                                              "that contains blanks",
                                              key, st.words.size() - 1));
    }
    attrs.push_back(Attribute{key, st.words[1].text, At(st.line)});
    return Status::Ok();
  }

  Status ParseTop(Configuration& config) {
    Statement st;
    for (;;) {
      SRP_ASSIGN_OR_RETURN(bool more, Next(st, Context::kTop, "", 0));
      if (!more) return Status::Ok();
      const std::string& w = st.words[0].text;
      if (w == "HANDLER") {
        Handler h;
        SRP_ASSIGN_OR_RETURN(h.name, NameOf(st));
        h.where = At(st.line);
        if (st.opens_block) SRP_RETURN_IF_ERROR(ParseHandler(h));
        config.handlers.push_back(std::move(h));
      } else if (w == "TARGET_DRIVER") {
        TargetDriver d;
        SRP_ASSIGN_OR_RETURN(d.name, NameOf(st));
        d.where = At(st.line);
        if (st.opens_block) SRP_RETURN_IF_ERROR(ParseDriver(d));
        config.drivers.push_back(std::move(d));
      } else if (LooksLikeKeyword(st.words[0])) {
        return Misplaced(st, "at top level (expected HANDLER or TARGET_DRIVER)");
      } else {
        return ErrorAt(At(st.line), fmt::format("unknown keyword '{}' at top level (expected "
                                                "HANDLER or TARGET_DRIVER)",
                                                w));
      }
    }
  }

  Status ParseHandler(Handler& h) {
    const std::string opener = "HANDLER " + h.name;
    const std::string inside = fmt::format("inside HANDLER '{}'", h.name);
    Statement st;
    for (;;) {
      SRP_ASSIGN_OR_RETURN(bool more, Next(st, Context::kHandler, opener, h.where.line));
      if (!more) return Status::Ok();
      if (st.words[0].text == "DEVICE" && !st.words[0].quoted) {
        Device d;
        SRP_ASSIGN_OR_RETURN(d.name, NameOf(st));
        d.where = At(st.line);
        if (st.opens_block) {
          SRP_RETURN_IF_ERROR(ParseAttributesOnly(d.attributes, Context::kDevice,
                                                  "DEVICE " + d.name, d.where.line,
                                                  fmt::format("inside DEVICE '{}'", d.name)));
        }
        h.devices.push_back(std::move(d));
      } else {
        SRP_RETURN_IF_ERROR(AddAttribute(st, h.attributes, inside));
      }
    }
  }

  Status ParseAttributesOnly(AttributeList& attrs, Context context, const std::string& opener,
                             int open_line, const std::string& inside) {
    Statement st;
    for (;;) {
      SRP_ASSIGN_OR_RETURN(bool more, Next(st, context, opener, open_line));
      if (!more) return Status::Ok();
      SRP_RETURN_IF_ERROR(AddAttribute(st, attrs, inside));
    }
  }

  Status ParseDriver(TargetDriver& d) {
    const std::string opener = "TARGET_DRIVER " + d.name;
    const std::string inside = fmt::format("inside TARGET_DRIVER '{}'", d.name);
    Statement st;
    for (;;) {
      SRP_ASSIGN_OR_RETURN(bool more, Next(st, Context::kDriver, opener, d.where.line));
      if (!more) return Status::Ok();
      if (st.words[0].text == "TARGET" && !st.words[0].quoted) {
        Target t;
        SRP_ASSIGN_OR_RETURN(t.name, NameOf(st));
        t.where = At(st.line);
        if (st.opens_block) SRP_RETURN_IF_ERROR(ParseTarget(t));
        d.targets.push_back(std::move(t));
      } else {
        SRP_RETURN_IF_ERROR(AddAttribute(st, d.attributes, inside));
      }
    }
  }

  Result<LunAssignment> ParseLun(const Statement& st) {
    if (st.words.size() != 3) {
      return ErrorAt(At(st.line), "'LUN' takes a number and a device name");
    }
    LunAssignment l;
    Result<uint64_t> n = ParseUint(st.words[1].text);
    if (!n.ok() || st.words[1].quoted) {
      return ErrorAt(At(st.line), fmt::format("LUN '{}' is not a number", st.words[1].text));
    }
    l.lun = *n;
    l.device = st.words[2].text;
    l.where = At(st.line);
    if (st.opens_block) {
      SRP_RETURN_IF_ERROR(ParseAttributesOnly(l.attributes, Context::kLun,
                                              fmt::format("LUN {}", l.lun), st.line,
                                              fmt::format("inside LUN {}", l.lun)));
    }
    return l;
  }

  Status ParseTarget(Target& t) {
    const std::string opener = "TARGET " + t.name;
    const std::string inside = fmt::format("inside TARGET '{}'", t.name);
    Statement st;
    for (;;) {
      SRP_ASSIGN_OR_RETURN(bool more, Next(st, Context::kTarget, opener, t.where.line));
      if (!more) return Status::Ok();
      const std::string& w = st.words[0].quoted ? std::string() : st.words[0].text;
      if (w == "LUN") {
        SRP_ASSIGN_OR_RETURN(LunAssignment l, ParseLun(st));
        t.default_luns.push_back(std::move(l));
      } else if (w == "GROUP") {
        Group g;
        SRP_ASSIGN_OR_RETURN(g.name, NameOf(st));
        g.where = At(st.line);
        if (st.opens_block) SRP_RETURN_IF_ERROR(ParseGroup(g));
        t.groups.push_back(std::move(g));
      } else {
        SRP_RETURN_IF_ERROR(AddAttribute(st, t.attributes, inside));
      }
    }
  }

  Status ParseGroup(Group& g) {
    const std::string opener = "GROUP " + g.name;
    const std::string inside = fmt::format("inside GROUP '{}'", g.name);
    Statement st;
    for (;;) {
      SRP_ASSIGN_OR_RETURN(bool more, Next(st, Context::kGroup, opener, g.where.line));
      if (!more) return Status::Ok();
      const std::string& w = st.words[0].quoted ? std::string() : st.words[0].text;
      if (w == "LUN") {
        SRP_ASSIGN_OR_RETURN(LunAssignment l, ParseLun(st));
        g.luns.push_back(std::move(l));
      } else if (w == "INITIATOR") {
        if (st.opens_block) return ErrorAt(At(st.line), "INITIATOR cannot open a block");
        InitiatorEntry i;
        SRP_ASSIGN_OR_RETURN(i.name, NameOf(st));
        i.where = At(st.line);
        g.initiators.push_back(std::move(i));
      } else {
        SRP_RETURN_IF_ERROR(AddAttribute(st, g.attributes, inside));
      }
    }
  }

  std::vector<Token> tokens_;
  std::string file_;
  size_t pos_ = 0;
};

}  // namespace

Result<Configuration> ParseScstConfig(std::string_view text, std::string_view file_name) {
  std::string file(file_name);
  SRP_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text, file));
  Parser parser(std::move(tokens), file);
  SRP_ASSIGN_OR_RETURN(Configuration config, parser.Run());
  SRP_RETURN_IF_ERROR(CheckConfiguration(config));
  return config;
}

Result<Configuration> LoadScstConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(errno, "open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::FromErrno(errno, "read " + path);
  return ParseScstConfig(text.str(), path);
}

}  // namespace srp::target::config
