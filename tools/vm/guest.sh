#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/vm/run.  Runs inside the test VM, chrooted into the
# host's root filesystem (read-only 9p, tmpfs on /tmp, /run, /var/tmp), with
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

if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	if [ -s /sys/kernel/debug/kmemleak ]; then
		echo "kmemleak: new suspected memory leaks (debugfs report follows)" >/dev/kmsg
		head -n 40 /sys/kernel/debug/kmemleak | sed 's/^/# vm: kmemleak: /'
	fi
fi

klog_re='WARNING:|BUG:|Oops|rcu_sched self-detected stall|RCU Stall|rcu: INFO|general protection fault|KASAN|possible circular locking|lockdep|UBSAN|kmemleak:.*suspected memory leak|unreferenced object|Call Trace|Kernel panic'
if dmesg | grep -E "$klog_re" >/tmp/.vm-klog; then
	sed -n '1,50s/^/# vm: dmesg: /p' /tmp/.vm-klog
	echo "FLOWMON-VM-KLOG: dirty"
else
	echo "FLOWMON-VM-KLOG: clean"
fi

echo "FLOWMON-VM-EXIT: $rc"
