#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest-side entry point: run the installed flowmon kselftest suite and print
# its TAP. Run `make -C selftests prepare` on the host first; then, in the VM
# (root, repository read-only, cwd anywhere):
#
#	tools/vm/run --tap -- selftests/run.sh [run_kselftest.sh options]
#
# e.g. `selftests/run.sh -t flowmon:tcp_counts.sh`. Exits 0 when every test
# passed or was skipped, 1 otherwise. Writes nothing into the repository.
#
#	selftests/run.sh --stress [run_kselftest.sh options]
#
# runs the tests listed in stress.list (or those given with -t) at their
# heavy sizes (FLOWMON_STRESS=1, see scaled in lib.sh), each allowed
# STRESS_TIMEOUT seconds instead of the suite's settings. --repeat N runs
# it all N times over (the same boot), to find the tests that fail only
# sometimes.
#
#	selftests/run.sh --skip-stress [run_kselftest.sh options]
#
# runs every test but those of stress.list: what CI runs on its second
# kernel, where its 90 minutes do not hold the abuse and scale tests twice.
# --skip-userspace leaves out those of userspace.list too, the tests of
# flowctl's own work (export, the command line), which the second kernel
# would only repeat.
#
#	selftests/run.sh --timeout SECONDS [run_kselftest.sh options]
#
# allows each test SECONDS instead of the suite's settings: make
# check-debug gives more, since KASAN and lockdep make the kernel several
# times slower and the tests' real-time waits (retries, back-offs) longer.

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
INST=${FLOWMON_KSFT_INSTALL:-$REPO/.build/kselftest}

bail()
{
	echo "Bail out! $*"
	exit 1
}

if [ ! -x "$INST/run_kselftest.sh" ] || [ ! -r "$INST/kselftest-list.txt" ]; then
	bail "$INST is not installed: run 'make -C selftests prepare' on the host"
fi

# The installed copy must be the current one.
for f in "$HERE"/*.sh "$HERE"/*.py "$HERE"/*.list "$HERE"/settings "$HERE"/config; do
	b=$(basename "$f")
	# make check-packaging runs these, on the host and in a VM of its own.
	case $b in run.sh | packaging.sh | deb_install.sh) continue ;; esac
	cmp -s "$f" "$INST/flowmon/$b" ||
		bail "$INST/flowmon/$b is missing or stale: run 'make -C selftests prepare' on the host"
done

# kselftest/runner.sh writes each test's output to "4>>/dev/stdout": on a
# /dev without that link the output would silently go to a regular file.
[ -L /dev/stdout ] || bail "/dev/stdout is not a link to /proc/self/fd/1"

# A copy of the installed suite in /tmp, for what changes it.
copy_suite()
{
	[ -n "${copy:-}" ] && return
	copy=$(mktemp -d /tmp/flowmon-kselftest.XXXXXX) || bail "mktemp failed"
	trap 'rm -rf "$copy"' EXIT
	cp -a "$INST/." "$copy/" || bail "cannot copy $INST to $copy"
	INST=$copy
}

# listed_tests LIST: the tests of LIST (stress.list...), a line each.
listed_tests()
{
	grep -v -e '^#' -e '^$' "$INST/flowmon/$1"
}

STRESS_TIMEOUT=3600
TIMEOUT=
REPEAT=1
STRESS=
SKIP_LISTS=()
args=()
chosen=
while [ $# -gt 0 ]; do
	a=$1
	shift
	case $a in
	--repeat)
		REPEAT=${1:-}
		shift || true
		[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || bail "--repeat takes a count"
		continue
		;;
	--stress)
		STRESS=1
		continue
		;;
	--timeout)
		TIMEOUT=${1:-}
		shift || true
		[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || bail "--timeout takes seconds"
		continue
		;;
	--skip-stress)
		SKIP_LISTS+=(stress.list)
		continue
		;;
	--skip-userspace)
		SKIP_LISTS+=(userspace.list)
		continue
		;;
	-t | --test | -c | --collection)
		chosen=1
		;;
	-s | --summary)
		# run_kselftest.sh then writes output.log into its directory,
		# which is read-only in the VM.
		copy_suite
		;;
	esac
	args+=("$a")
done

if [ -n "$STRESS" ] && [ -z "$TIMEOUT" ]; then
	TIMEOUT=$STRESS_TIMEOUT
fi
if [ -n "$TIMEOUT" ]; then
	# The kselftest runner takes each test's timeout from settings.
	copy_suite
	echo "timeout=$TIMEOUT" >"$INST/flowmon/settings"
fi
if [ -n "$STRESS" ]; then
	if [ -z "$chosen" ]; then
		for t in $(listed_tests stress.list); do
			args+=(-t "flowmon:$t")
		done
	fi
	export FLOWMON_STRESS=1
fi

if [ ${#SKIP_LISTS[@]} -gt 0 ] && [ -z "$chosen" ]; then
	skipped=$(for list in "${SKIP_LISTS[@]}"; do listed_tests "$list"; done)
	while IFS=: read -r collection t; do
		grep -qxF "$t" <<<"$skipped" || args+=(-t "$collection:$t")
	done <"$INST/kselftest-list.txt"
fi

export FLOWMON_REPO=$REPO
export PYTHONDONTWRITEBYTECODE=1
export TMPDIR=/tmp

# run_kselftest.sh only reads its directory (no --summary, which writes
# output.log there), so it runs in place even on a read-only filesystem.
planned=0
passed=0
failed=0
shopt -s lastpipe
set -o pipefail
for round in $(seq "$REPEAT"); do
	[ "$REPEAT" = 1 ] || echo "# run $round of $REPEAT"
	"$INST/run_kselftest.sh" "${args[@]}" 2>&1 | while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		1..*) planned=$((planned + ${line#1..})) ;;
		"ok "*) passed=$((passed + 1)) ;;
		"not ok "*) failed=$((failed + 1)) ;;
		esac
	done
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "# run_kselftest.sh exited $rc"
		exit 1
	fi
done
if [ $((passed + failed)) -ne $planned ] || [ $planned -eq 0 ]; then
	echo "# $planned tests planned, $((passed + failed)) reported"
	exit 1
fi
[ $failed -eq 0 ]
