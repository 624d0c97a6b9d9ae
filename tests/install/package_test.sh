#!/usr/bin/env bash
# Builds the Debian package from a configured and built tree, checks its contents and Depends,
# verifies its systemd units, unpacks it into a temporary root and runs the installed tools
# from there: srp-target as srp-target.service would start it (ExecStart with the installed
# /etc/default file), srp-io luns, a changed config applied with the unit's ExecReload, srp-sg
# finding its preload library, and srp-perf finding srp-target next to itself.
# Usage: tests/install/package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tmp=$(mktemp -d /tmp/srp-package-test.XXXXXX)
target_pid=
cleanup() {
  [[ -n $target_pid ]] && kill -TERM "$target_pid" 2>/dev/null && wait "$target_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "cpack -G DEB"
SECONDS=0
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$tmp"/pkg/*.deb)
echo "package: $(basename "$deb") ($SECONDS s)"

step "dpkg-deb -c lists bin, the preload library, docs, examples, config, units, man pages"
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$tmp/contents"
for f in /usr/bin/srp-target /usr/bin/srp-admin /usr/bin/srp-discover /usr/bin/srp-login \
         /usr/bin/srp-io /usr/bin/srp-sg /usr/bin/srp-attach /usr/bin/srp-perf \
         /usr/lib/srp-toolkit/libsrp-sg-preload.so \
         /usr/share/doc/srp-toolkit/README.md /usr/share/doc/srp-toolkit/architecture.md \
         /usr/share/doc/srp-toolkit/examples/srp-target.conf \
         /etc/srp-toolkit/srp-target.conf /etc/default/srp-target \
         /usr/lib/systemd/system/srp-target.service \
         /usr/share/man/man1/srp-target.1 /usr/share/man/man1/srp-perf.1 \
         /usr/share/bash-completion/completions/srp-target; do
  grep -qxE "${f}(\\.gz)?" "$tmp/contents" || fail "package lacks $f"
done
if grep -q '^/usr/bin/srp-daemon$' "$tmp/contents"; then
  for f in /usr/lib/systemd/system/srp-daemon.service \
           "/usr/lib/systemd/system/srp-daemon-port@.service" /usr/share/man/man1/srp-daemon.1; do
    grep -qxE "${f}(\\.gz)?" "$tmp/contents" || fail "package lacks $f"
  done
fi
echo "$(wc -l <"$tmp/contents") entries"

step "Depends names the runtime libraries"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libc6 libibverbs1 librdmacm1 libibumad3 libaio1 libfuse3-3; do
  grep -qE "(^|, )${lib}( |,|$)" <<<"$depends" || fail "Depends lacks $lib"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/srp-toolkit/srp-target.conf ||
  fail "srp-target.conf is not a conffile"

root="$tmp/root"
step "dpkg-deb -x into $root"
dpkg-deb -x "$deb" "$root"
if grep -rlF "$build" "$root" >"$tmp/leaks"; then
  cat "$tmp/leaks" >&2
  fail "build-tree path $build baked into installed files"
fi

step "systemd-analyze verify (every unit)"
command -v systemd-analyze >/dev/null ||
  fail "systemd-analyze is not installed (scripts/install-deps.sh installs systemd)"
# A unit's text with the package's absolute paths moved under $root.
rooted() { sed -E "s#(^| |=|-)/(usr|etc)/#\\1$root/\\2/#g" <<<"$1"; }
mkdir -p "$tmp/units"
for unit in "$root"/usr/lib/systemd/system/*.service; do
  # verify checks that ExecStart's binary exists and that Documentation's man page opens.
  rooted "$(cat "$unit")" >"$tmp/units/$(basename "$unit")"
  MANPATH="$root/usr/share/man" systemd-analyze verify "$tmp/units/$(basename "$unit")" \
    >"$tmp/verify.log" 2>&1 || { cat "$tmp/verify.log" >&2; fail "systemd-analyze verify $(basename "$unit")"; }
  echo "verified $(basename "$unit")"
done

unit_line() { sed -n "s/^$1=//p" "$root/usr/lib/systemd/system/srp-target.service"; }

export SRP_SOFT_FABRIC="$tmp/subnet" SRP_TARGET_RUN_DIR="$tmp/run"
mkdir -p "$SRP_SOFT_FABRIC" "$SRP_TARGET_RUN_DIR"
# The installed /etc/default file, with its paths moved under $root, as EnvironmentFile= reads it.
SRP_TARGET_OPTS=$(. "$root/etc/default/srp-target"; echo "$SRP_TARGET_OPTS")
SRP_TARGET_OPTS=$(rooted "$SRP_TARGET_OPTS")
exec_start=$(rooted "$(unit_line ExecStart)")
exec_start=${exec_start//\$SRP_TARGET_OPTS/$SRP_TARGET_OPTS}
step "ExecStart: $exec_start"
[[ $exec_start == "$root/usr/bin/srp-target serve "* ]] || fail "unexpected ExecStart"
# --fabric auto (the installed default) serves on the soft fabric when no RDMA device exists.
[[ -d /sys/class/infiniband && -n $(ls /sys/class/infiniband 2>/dev/null) ]] &&
  exec_start=${exec_start/--fabric auto/--fabric soft}
$exec_start --port-name pkgtest >"$tmp/target.out" 2>"$tmp/target.log" &
target_pid=$!
for _ in $(seq 300); do
  grep -q '^ready' "$tmp/target.out" 2>/dev/null && break
  kill -0 "$target_pid" 2>/dev/null || { cat "$tmp/target.log" >&2; fail "srp-target exited"; }
  sleep 0.1
done
grep -q '^ready' "$tmp/target.out" || fail "srp-target not ready"
target=$(sed -n 's/^target: \(.*service_id=.*\)$/\1/p' "$tmp/target.out" | head -n 1)
[[ -n $target ]] || target=$(grep -m1 'service_id=' "$tmp/target.out")

step "installed srp-io luns"
"$root/usr/bin/srp-io" luns "$target" --fabric soft | tee "$tmp/luns.txt"
grep -q 'null0' "$tmp/luns.txt" || fail "LUN 0 null0 missing"
grep -q 'mem1' "$tmp/luns.txt" || fail "LUN 1 mem1 missing"
[[ $(grep -cE 'null0|mem1' "$tmp/luns.txt") -eq 2 ]] || fail "expected exactly two LUNs"

step "changed config + ExecReload"
conf="$root/etc/srp-toolkit/srp-target.conf"
sed -i 's/^\(\s*\)LUN 1 mem1$/\1LUN 1 mem1\n\1LUN 2 null0/' "$conf"
grep -q 'LUN 2 null0' "$conf" || fail "could not edit the installed config"
exec_reload=$(rooted "$(unit_line ExecReload)")
echo "ExecReload: $exec_reload"
$exec_reload
"$root/usr/bin/srp-io" luns "$target" --fabric soft | tee "$tmp/luns2.txt"
[[ $(grep -cE 'null0|mem1' "$tmp/luns2.txt") -eq 3 ]] || fail "reload did not add LUN 2"

step "installed srp-sg finds its preload library (sg_inq through the bridge)"
if command -v sg_inq >/dev/null; then
  env -u SRP_SG_PRELOAD "$root/usr/bin/srp-sg" run --fabric soft --target "$target" --lun 1 -- \
    sg_inq /dev/srp-sg0 | tee "$tmp/inq.txt"
  grep -q 'SCST_' "$tmp/inq.txt" || fail "sg_inq through the installed bridge"
else
  fail "sg_inq is not installed (scripts/install-deps.sh installs sg3-utils)"
fi

step "SIGTERM stops the target cleanly"
kill -TERM "$target_pid"
wait "$target_pid" || fail "srp-target exit status $? after SIGTERM"
target_pid=

step "installed srp-perf finds srp-target next to itself (no --target-bin)"
(cd "$tmp" && PATH=/usr/bin:/bin "$root/usr/bin/srp-perf" run --runtime 0.3 --iodepth 1 --bs 4k \
  --out "$tmp/perf" >"$tmp/perf.log" 2>&1) || { cat "$tmp/perf.log" >&2; fail "srp-perf run"; }
ls "$tmp/perf" | grep -q json || fail "srp-perf wrote no results"
echo "PASS"
