#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/vm/run.  Runs inside the test VM with the host's root
# filesystem as its root (read-only 9p, tmpfs on /tmp, /run, /var/tmp), with
# stdout/stderr on the VM's second serial port, which the host streams.
#
#   guest.sh RUNDIR
#
# RUNDIR/cmd.sh (written by tools/vm/run) sets REPO and the command ("$@").
# Marker lines for the host: FLOWMON-VM-START just before the command; after
# the command: unload flowmon if it is still loaded, check the kernel
# log for splats, and report everything as marker lines for the host:
#   FLOWMON-VM-UNLOAD: ok|fail|not-loaded
#   FLOWMON-VM-KLOG: clean|dirty
#   FLOWMON-VM-EXIT: <exit status of the command>
#
# On a kernel with kmemleak (the debug kernel of tools/vm/debug-kernel):
# before the command, one scan takes what boot left unreferenced as the
# baseline ("clear"); after the command and the unload, and after kmemleak's
# 5 s minimum object age, two scans.  Any object reported then fails the run
# (its report goes to the kernel log and to the output, "# vm: kmemleak:"),
# whether or not its backtrace names flowmon: once the module is unloaded its
# frames are bare addresses, and a leak of a kernel object (skb, netns ref)
# that flowmon caused need not show flowmon at all.  Lockdep must still be
# on at the end (debug_locks: 1 in /proc/lockdep_stats).

rundir=$1

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TMPDIR=/tmp TERM=dumb LANG=C.UTF-8 LC_ALL=C.UTF-8
export PYTHONDONTWRITEBYTECODE=1 FLOWMON_VM=1
unset MAIL OLDPWD

# The host strips \r anyway; no need for the tty to add them.
stty -opost -echo 2>/dev/null

ip link set lo up

REPO=/
if [ -r "$rundir/cmd.sh" ]; then
	# shellcheck disable=SC1091 # written by tools/vm/run
	. "$rundir/cmd.sh"
else
	echo "vm-guest: cannot read $rundir/cmd.sh"
	set -- false
fi
cd "$REPO" || echo "vm-guest: cannot cd to $REPO"

kmemleak=/sys/kernel/debug/kmemleak
[ -w "$kmemleak" ] || kmemleak=
checker_bad=
if [ -n "$kmemleak" ]; then
	# No background scans; objects left unreferenced by boot (and by the
	# initramfs, older than the 5 s minimum age) are the baseline.
	echo scan=off >"$kmemleak" 2>/dev/null
	sleep 5
	if echo scan >"$kmemleak" && echo clear >"$kmemleak"; then
		echo "# vm: kmemleak: baseline taken, boot-time objects cleared"
	else
		echo "# vm: kmemleak: cannot scan (kmemleak disabled itself? see dmesg)"
		checker_bad=1
	fi
fi

echo "FLOWMON-VM-START"
"$@" </dev/null
rc=$?

# Anything the command left behind must not keep the module busy.
if grep -q '^flowmon ' /proc/modules; then
	if rmmod flowmon; then
		echo "FLOWMON-VM-UNLOAD: ok"
	else
		echo "FLOWMON-VM-UNLOAD: fail"
	fi
else
	echo "FLOWMON-VM-UNLOAD: not-loaded"
fi

if [ -n "$kmemleak" ] && [ -z "$checker_bad" ]; then
	# Objects younger than 5 s are never reported: wait for the last ones
	# the command or the unload freed (or leaked).  Two scans, as the
	# kmemleak documentation advises against transient false positives.
	sleep 6
	if echo scan >"$kmemleak" && sleep 1 && echo scan >"$kmemleak"; then
		cat "$kmemleak" >/tmp/.vm-kmemleak
		if [ -s /tmp/.vm-kmemleak ]; then
			n=$(grep -c '^unreferenced object' /tmp/.vm-kmemleak)
			echo "kmemleak: $n new suspected memory leaks since the command started (report on the VM's output)" >/dev/kmsg
			sed -n '1,200s/^/# vm: kmemleak: /p' /tmp/.vm-kmemleak
		else
			echo "# vm: kmemleak: no new unreferenced objects"
		fi
	else
		echo "# vm: kmemleak: cannot scan (kmemleak disabled itself? see dmesg)"
		checker_bad=1
	fi
fi
if [ -r /proc/lockdep_stats ] &&
   grep -q '^ *debug_locks: *0' /proc/lockdep_stats; then
	echo "# vm: lockdep: debug_locks is 0, lockdep was turned off during the run"
	checker_bad=1
fi

klog_re='WARNING:|BUG:|Oops|rcu_sched self-detected stall|RCU Stall|rcu: INFO|general protection fault|KASAN|possible circular locking|lockdep|UBSAN|kmemleak:.*suspected memory leak|unreferenced object|Call Trace|Kernel panic'
# Same as KLOG_IGNORE_RE in tools/vm/run.
klog_ignore='RCU lockdep checking is enabled'
if dmesg | grep -E "$klog_re" | grep -vE "$klog_ignore" >/tmp/.vm-klog; then
	sed -n '1,50s/^/# vm: dmesg: /p' /tmp/.vm-klog
	echo "FLOWMON-VM-KLOG: dirty"
elif [ -n "$checker_bad" ]; then
	echo "FLOWMON-VM-KLOG: dirty"
else
	echo "FLOWMON-VM-KLOG: clean"
fi

echo "FLOWMON-VM-EXIT: $rc"
