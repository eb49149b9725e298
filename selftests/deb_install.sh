#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages on a root they were never on, in the VM (make
# check-packaging boots it; make deb built .build/deb/*.deb): an overlay of
# the root filesystem on tmpfs, with the running kernel's modules only (a
# host with one kernel: DKMS builds for each kernel it finds, and a build
# takes minutes under emulation), where `dpkg -i flowmon-dkms flowctl`
# builds the module with DKMS for the running kernel, then:
#  - `modprobe flowmon` in that root loads the module DKMS installed
#    (/lib/modules/RELEASE/updates/dkms), of the package's version;
#  - flowctl from the package lists a flow made meanwhile, and says to
#    `modprobe flowmon` once the module is gone;
#  - `dpkg --purge` of both removes the module, flowctl and the unit.

. "$(dirname "$0")/lib.sh"

require_root_tools
DEBS=$REPO/.build/deb
VERSION=$(sed -n 's/^#define FLOWMON_VERSION "\(.*\)"/\1/p' "$REPO/module/version.h")
DKMS_DEB=$DEBS/flowmon-dkms_${VERSION}_all.deb
CTL_DEB=$(ls "$DEBS"/flowctl_"$VERSION"_*.deb 2>/dev/null | head -n 1) || true
[ -f "$DKMS_DEB" ] && [ -n "$CTL_DEB" ] || die "no packages of $VERSION in $DEBS: run make deb"
module_loaded && die "flowmon is loaded already"
KREL=$(uname -r)

ROOT=$TMPD/root
mkdir -p "$TMPD/ovl"
mount -t tmpfs tmpfs "$TMPD/ovl" || die "tmpfs"
mkdir -p "$TMPD/ovl/upper" "$TMPD/ovl/work" "$ROOT"
mount -t overlay overlay \
	-o "lowerdir=/,upperdir=$TMPD/ovl/upper,workdir=$TMPD/ovl/work" "$ROOT" ||
	die "overlay of the root filesystem"
for d in proc sys dev tmp run; do
	mount --rbind "/$d" "$ROOT/$d" || die "bind /$d"
done
unmount_root()
{
	umount -R "$ROOT" 2>/dev/null
	umount "$TMPD/ovl" 2>/dev/null
}
CLEANUP_CMDS=(unmount_root)
inroot()
{
	chroot "$ROOT" "$@"
}
for d in "$ROOT"/lib/modules/*; do
	[ "$(basename "$d")" = "$KREL" ] || rm -rf "$d" || die "hiding $d"
done
cp "$DKMS_DEB" "$CTL_DEB" "$ROOT/tmp/" || die "copying the packages"

log "dpkg -i: DKMS builds flowmon for $KREL"
rc=0
inroot env DEBIAN_FRONTEND=noninteractive dpkg -i \
	"/tmp/$(basename "$DKMS_DEB")" "/tmp/$(basename "$CTL_DEB")" \
	>"$TMPD/dpkg.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || sed 's/^/# dpkg: /' "$TMPD/dpkg.log" | tail -30
expect_eq "dpkg -i flowmon-dkms flowctl" 0 "$rc"
ko=$(ls "$ROOT/lib/modules/$KREL/updates/dkms/"flowmon.ko* 2>/dev/null | head -n 1) || true
check "DKMS installed flowmon.ko for $KREL" test -n "$ko"
check "dkms status: installed" \
	grep -q "flowmon/$VERSION, $KREL, .*: installed" <(inroot dkms status 2>&1)

log "modprobe flowmon, from the packages"
rc=0
inroot modprobe flowmon >"$TMPD/modprobe.log" 2>&1 || rc=$?
expect_eq "modprobe flowmon: $(cat "$TMPD/modprobe.log")" 0 "$rc"
check "the module is loaded" module_loaded
expect_eq "its version" "$VERSION" "$(cat /sys/module/flowmon/version 2>/dev/null)"
setup_pair --no-ipv6
ip netns exec "$NS_C" ping -c 1 -q $S4 >/dev/null || die "ping"
n=$(ip netns exec "$NS_C" chroot "$ROOT" /usr/sbin/flowctl list -c -p icmp) || true
expect_eq "/usr/sbin/flowctl of the package: the ping's flow" 1 "$n"
inroot modprobe -r flowmon || die "modprobe -r flowmon"
err=$(inroot /usr/sbin/flowctl list 2>&1 >/dev/null) || true
expect_eq "flowctl without the module" \
	"flowctl: flowmon module is not loaded: run 'sudo modprobe flowmon' (or 'sudo insmod flowmon.ko')" \
	"$err"

log "dpkg --purge"
rc=0
inroot dpkg --purge flowctl flowmon-dkms >"$TMPD/purge.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || sed 's/^/# dpkg: /' "$TMPD/purge.log" | tail -20
expect_eq "dpkg --purge flowctl flowmon-dkms" 0 "$rc"
left=$(cd "$ROOT" && ls -d lib/modules/"$KREL"/updates/dkms/flowmon.ko* usr/sbin/flowctl \
	lib/systemd/system/flowmon-export.service usr/src/flowmon-"$VERSION" 2>/dev/null) || true
expect_eq "nothing of flowmon left" "" "$left"
finish
