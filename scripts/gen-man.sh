#!/usr/bin/env bash
# Writes a man page (roff) for a tool from its --help output (and its subcommands' --help).
# Usage: scripts/gen-man.sh TOOL_BINARY VERSION OUT_FILE
set -euo pipefail
bin=$1 version=$2 out=$3
name=$(basename "$bin")
# CLI11 prints argv[0] in "Usage:": show the bare name, not the build path.
help=$("$bin" --help 2>&1 | sed "s#$bin#$name#g") || true
summary=$(printf '%s\n' "$help" | head -n 1 | sed -E "s/^${name}:? *//; s/^[-:] *//")
[[ -n $summary && $summary != Usage* ]] || summary="part of srp-toolkit"
# roff: escape backslashes, and lines starting with . or ' are protected with \&.
escape() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
subs=$(printf '%s\n' "$help" | sed -n '/^Subcommands:/,/^$/p' | awk 'NR>1 && NF {print $1}')
mkdir -p "$(dirname "$out")"
{
  echo ".TH ${name^^} 1 \"\" \"srp-toolkit ${version}\" \"srp-toolkit\""
  echo ".SH NAME"
  echo "${name} \\- $(printf '%s' "$summary" | escape)"
  echo ".SH DESCRIPTION"
  echo "The text below is the output of"
  echo ".BR \"${name} --help\" ."
  echo ".PP"
  echo ".nf"
  printf '%s\n' "$help" | escape
  echo ".fi"
  for sub in $subs; do
    sub_help=$("$bin" "$sub" --help 2>&1 | sed "s#$bin#$name#g") || true
    echo ".SS \"${name} ${sub}\""
    echo ".nf"
    printf '%s\n' "$sub_help" | escape
    echo ".fi"
  done
  echo ".SH SEE ALSO"
  echo "The srp-toolkit README and docs in /usr/share/doc/srp-toolkit."
} >"$out.tmp"
mv "$out.tmp" "$out"
