#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installing flowmon on a Debian host, checked on this machine (not in the
# VM: it builds against the installed kernel headers), in a copy of the
# tree and under temporary roots:
#  1. `make install DESTDIR=... PREFIX=/usr` for the 6.1 headers: the
#     module in /lib/modules/RELEASE/updates with that vermagic and the
#     genetlink family's alias (modprobe by family name), flowctl in
#     /usr/sbin, both man pages (man renders them without a warning), the
#     bash completion (bash -n), the exporter's systemd unit naming
#     /usr/sbin/flowctl (systemd-analyze verify, no complaint), its
#     example config.
#  2. `make uninstall` with the same variables leaves no file; a config the
#     admin changed stays.
#  3. `make dkms-install DESTDIR=...` puts the sources and a dkms.conf of
#     the module's version in /usr/src/flowmon-VERSION; `dkms build` of
#     them (own dkms tree) succeeds for the 6.1 and for the 6.12 headers,
#     each module with its kernel's vermagic.
#  4. The packages of `make deb` (in .build/deb: make check-packaging
#     builds them first): lintian finds no error and no warning; flowctl's
#     has the binary, the man pages, the completion and the unit,
#     flowmon-dkms's the sources and a dkms.conf of the version, and
#     depends on dkms. deb_install.sh installs them in a VM.

. "$(dirname "$0")/lib.sh"

for tool in dkms modinfo man systemd-analyze; do
	command -v $tool >/dev/null || skip "$tool is not installed (make check-packaging)"
done
headers_of()
{
	ls -d /usr/src/linux-headers-"$1"*-amd64 2>/dev/null | sort -V | tail -n 1
}
H61=$(headers_of 6.1.)
H612=$(headers_of 6.12.)
[ -n "$H61" ] && [ -n "$H612" ] ||
	skip "needs linux-headers of 6.1 and 6.12 (make deps KVER=6.1, KVER=6.12)"
VERSION=$(sed -n 's/^#define FLOWMON_VERSION "\(.*\)"/\1/p' "$REPO/module/version.h")

SRC=$TMPD/src
mkdir -p "$SRC"
# The sources as they are, without what a build left.
tar cf - -C "$REPO" --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='*.d' \
	Kbuild Makefile module include tools | tar xf - -C "$SRC" ||
	die "copying the tree"

log "1. make install DESTDIR=... PREFIX=/usr, 6.1 headers"
ROOT=$TMPD/root
make -C "$SRC" install DESTDIR="$ROOT" PREFIX=/usr KDIR="$H61" \
	>"$TMPD/install.log" 2>&1 || die "make install: $(tail -5 "$TMPD/install.log")"
# uts_release HEADERS: the release the headers build for.
uts_release()
{
	sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$1/include/generated/utsrelease.h"
}
KREL=$(uts_release "$H61")
ko=$(ls "$ROOT/lib/modules/$KREL/updates/"flowmon.ko* 2>/dev/null | head -n 1) || true
[ -n "$ko" ] || die "no module in /lib/modules/$KREL/updates: $(cd "$ROOT" && find . -type f)"
expect_eq "its vermagic" "$KREL" "$(modinfo -F vermagic "$ko" | awk '{ print $1 }')"
check "its alias for the genetlink family" \
	grep -qx 'net-pf-16-proto-16-family-flowmon' <(modinfo -F alias "$ko")
expect_eq "its version" "$VERSION" "$(modinfo -F version "$ko")"
check "flowctl in /usr/sbin runs" "$ROOT/usr/sbin/flowctl" --version
for page in man8/flowctl.8 man4/flowmon.4; do
	f=$ROOT/usr/share/man/$page
	check "$page installed" test -s "$f"
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" >/dev/null 2>"$TMPD/man.err" || true
	expect_eq "man renders $page without a warning" "" "$(cat "$TMPD/man.err")"
done
check "bash completion, valid bash" \
	bash -n "$ROOT/usr/share/bash-completion/completions/flowctl"
unit=$ROOT/usr/lib/systemd/system/flowmon-export.service
check "the unit runs /usr/sbin/flowctl export" \
	grep -qx 'ExecStart=/usr/sbin/flowctl export $FLOWMON_EXPORT_ARGS' "$unit"
check "the unit reads /etc/default/flowmon-export" \
	grep -qx 'EnvironmentFile=-/etc/default/flowmon-export' "$unit"
# Verified as this machine's systemd would load it, flowctl where it is.
sed "s|/usr/sbin/flowctl|$ROOT/usr/sbin/flowctl|" "$unit" >"$TMPD/flowmon-export.service"
rc=0
systemd-analyze verify --man=no "$TMPD/flowmon-export.service" \
	>"$TMPD/verify.out" 2>&1 || rc=$?
sed 's/^/# systemd-analyze: /' "$TMPD/verify.out"
expect_eq "systemd-analyze verify: status" 0 "$rc"
expect_eq "systemd-analyze verify: no complaint" "" "$(cat "$TMPD/verify.out")"
check "the example config" test -s "$ROOT/etc/default/flowmon-export"

log "2. make uninstall"
make -C "$SRC" uninstall DESTDIR="$ROOT" PREFIX=/usr KDIR="$H61" \
	>"$TMPD/uninstall.log" 2>&1 || die "make uninstall: $(tail -5 "$TMPD/uninstall.log")"
left=$(cd "$ROOT" && find . -type f | sort | tr '\n' ' ')
expect_eq "files left after uninstall" "" "$left"
make -C "$SRC" install-flowctl DESTDIR="$ROOT" PREFIX=/usr >/dev/null 2>&1 ||
	die "make install-flowctl"
echo 'FLOWMON_EXPORT_ARGS="ipfix 192.0.2.1:4739"' >"$ROOT/etc/default/flowmon-export"
make -C "$SRC" uninstall DESTDIR="$ROOT" PREFIX=/usr KDIR="$H61" >/dev/null 2>&1 ||
	die "make uninstall"
left=$(cd "$ROOT" && find . -type f | sort | tr '\n' ' ')
expect_eq "a changed config stays" "./etc/default/flowmon-export " "$left"

log "3. make dkms-install DESTDIR=..., dkms build for 6.1 and 6.12"
DROOT=$TMPD/droot
make -C "$SRC" dkms-install DESTDIR="$DROOT" >"$TMPD/dkms-install.log" 2>&1 ||
	die "make dkms-install: $(tail -5 "$TMPD/dkms-install.log")"
conf=$DROOT/usr/src/flowmon-$VERSION/dkms.conf
check "dkms.conf of version $VERSION" grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$conf"
DTREE=$TMPD/dkms
mkdir -p "$DTREE"
dkms add flowmon/"$VERSION" --sourcetree "$DROOT/usr/src" --dkmstree "$DTREE" \
	>"$TMPD/dkms-add.log" 2>&1 || die "dkms add: $(tail -5 "$TMPD/dkms-add.log")"
for h in "$H61" "$H612"; do
	krel=$(uts_release "$h")
	rc=0
	dkms build flowmon/"$VERSION" -k "$krel" --kernelsourcedir "$h" \
		--sourcetree "$DROOT/usr/src" --dkmstree "$DTREE" \
		>"$TMPD/dkms-$krel.log" 2>&1 || rc=$?
	[ "$rc" = 0 ] || sed 's/^/# dkms: /' "$TMPD/dkms-$krel.log" | tail -20
	expect_eq "dkms build for $krel" 0 "$rc"
	ko=$(ls "$DTREE/flowmon/$VERSION/$krel/"*/module/flowmon.ko* 2>/dev/null | head -n 1) || true
	check "dkms built flowmon.ko for $krel" test -n "$ko"
	if [ -n "$ko" ]; then
		expect_eq "its vermagic" "$krel" "$(modinfo -F vermagic "$ko" | awk '{ print $1 }')"
	fi
done

log "4. the packages of make deb"
DEBS=$REPO/.build/deb
DKMS_DEB=$DEBS/flowmon-dkms_${VERSION}_all.deb
CTL_DEB=$(ls "$DEBS"/flowctl_"$VERSION"_*.deb 2>/dev/null | head -n 1) || true
[ -f "$DKMS_DEB" ] && [ -n "$CTL_DEB" ] || die "no packages of $VERSION in $DEBS: run make deb"
rc=0
lintian --fail-on error,warning "$DKMS_DEB" "$CTL_DEB" >"$TMPD/lintian.out" 2>&1 || rc=$?
grep -v 'running with root privileges' "$TMPD/lintian.out" | sed 's/^/# lintian: /'
expect_eq "lintian: no error or warning" 0 "$rc"
contents()
{
	dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'
}
contents "$CTL_DEB" >"$TMPD/flowctl.list"
for f in /usr/sbin/flowctl /usr/share/man/man8/flowctl.8.gz \
	/usr/share/man/man4/flowmon.4.gz /usr/share/bash-completion/completions/flowctl \
	/lib/systemd/system/flowmon-export.service /etc/default/flowmon-export; do
	check "flowctl's package has $f" grep -qx "$f" "$TMPD/flowctl.list"
done
check "/etc/default/flowmon-export is a conffile" \
	grep -qx /etc/default/flowmon-export \
	<(dpkg-deb --ctrl-tarfile "$CTL_DEB" | tar xOf - ./conffiles)
contents "$DKMS_DEB" >"$TMPD/dkms.list"
for f in /usr/src/flowmon-$VERSION/Kbuild /usr/src/flowmon-$VERSION/dkms.conf \
	/usr/src/flowmon-$VERSION/module/main.c \
	/usr/src/flowmon-$VERSION/include/uapi/linux/flowmon.h; do
	check "flowmon-dkms's package has $f" grep -qx "$f" "$TMPD/dkms.list"
done
check "flowmon-dkms depends on dkms" \
	grep -q '^dkms' <(dpkg-deb -f "$DKMS_DEB" Depends)
finish
