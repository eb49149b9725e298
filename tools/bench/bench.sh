#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The flowmon benchmark, run inside the VM by `make bench`:
#
#   tools/vm/run --timeout 1800 -- tools/bench/bench.sh
#
# Every scenario runs three ways on the same traffic (lib.sh: no tracker,
# flowmon, nf_conntrack), interleaved (the order rotates with each
# repetition) so that host noise hits all three alike. Under emulation (TCG)
# absolute times mean little: only ratios from the same boot do.
#
# Each measurement is one JSON object, written to $OUT/raw.jsonl and to
# stdout as a line "FMBENCH-RAW {...}" as soon as it is taken (a run cut
# short still leaves what it measured); the host's tools/bench/report.py
# collects them (the guest's root is read-only).
#
# Environment (defaults are what `make bench` runs):
#   BENCH_REPS     repetitions of each measurement (3)
#   BENCH_SIZES    table sizes of scenarios 2-4 ("10000 100000 1000000")
#   BENCH_TCP_SIZES  sizes at which TCP flows are also measured
#                  ("10000 100000": 1M handshakes are 3M frames, and over
#                  three minutes for the two trackers per repetition, which
#                  does not fit the 25 minutes; memory per flow does not
#                  depend on N)
#   BENCH_PACKETS  frames per per-packet measurement (200000)
#   BENCH_LOOKUP_N flows pushed into flowmon's table, loaded without
#                  hashsize so that it starts at 256 buckets and grows,
#                  before scenario 6 measures one flow behind them (1000000)
#   BENCH_IDLE_NS  idle namespaces of scenario 5 (200)
#   BENCH_ONLY     scenarios to run, e.g. "1 5" (all: "1 5 6 2"; 2 also
#                  runs 3 and 4, on the same tables)
#   BENCH_BUDGET   seconds the whole run may take (1320: `make bench` must
#                  end within 25 minutes); a repetition of scenarios 2-4
#                  that would not end in time is left out, and said so
#   BENCH_FLOWMON_KO  the flowmon.ko to measure (this tree's): an older
#                  commit's build, for a before/after comparison

. "$(dirname "$0")/lib.sh"
set -u

REPS=${BENCH_REPS:-3}
SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
TCP_SIZES=${BENCH_TCP_SIZES:-"10000 100000"}
PACKETS=${BENCH_PACKETS:-200000}
LOOKUP_N=${BENCH_LOOKUP_N:-1000000}
IDLE_NS=${BENCH_IDLE_NS:-200}
ONLY=${BENCH_ONLY:-"1 5 6 2"}
BUDGET=${BENCH_BUDGET:-1320}

# Large tables for scenarios 2-4, the same size for both trackers: 2^19
# buckets, four flows per bucket for the 1M UDP + 1M TCP flows of the
# largest run. conntrack drops the packets of new flows when its table is
# full; flowmon leaves them untracked: neither must happen here.
BUCKETS=524288
MAX_FLOWS=2200000
FM_BIG="hashsize=$BUCKETS max_flows=$MAX_FLOWS max_flows_containers=$((3 * MAX_FLOWS))"
FM_GROWING="max_flows=$MAX_FLOWS max_flows_containers=$((3 * MAX_FLOWS))"
# /proc/net/nf_conntrack restarts its walk from the first bucket at every
# read() (quadratic: 130k entries took minutes in calibration): above this
# many entries it is read once, for at most PROC_CAP seconds.
CT_PROC_FULL=10000
PROC_CAP=10

OUT=/tmp/fmbench
RAW=$OUT/raw.jsonl
mkdir -p "$OUT"
: >"$RAW"

[ -f "$FLOWMON_KO" ] || die "$FLOWMON_KO not built (make all)"
[ -x "$FLOWCTL" ] || die "$FLOWCTL not built (make all)"
[ -x "$FMGEN" ] || die "$FMGEN not built (make -C tools/bench)"

# rec JSON_FIELDS: one raw record (the fields of a JSON object, no braces).
rec()
{
	echo "{$1}" >>"$RAW"
	echo "FMBENCH-RAW {$1}"
}

# order REP: the trackers, rotated by the repetition number.
order()
{
	case $(( $1 % 3 )) in
	1) echo none flowmon conntrack ;;
	2) echo flowmon conntrack none ;;
	0) echo conntrack none flowmon ;;
	esac
}

strip()
{
	local s=${1#\{}
	echo "${s%\}}"
}

# send KEYS TRACKER REP FMGEN_ARGS...: one fmgen run and its record, with
# the packets the router really forwarded (and so the drops).
send()
{
	local keys=$1 t=$2 rep=$3 d0 d1 out frames
	shift 3
	d0=$(delivered)
	out=$(gen "$@") || die "fmgen $*"
	d1=$(delivered)
	frames=$(sed -n 's/.*"frames": \([0-9]*\).*/\1/p' <<<"$out")
	rec "$keys, \"tracker\": \"$t\", \"rep\": $rep, $(strip "$out"), \"delivered\": $((d1 - d0)), \"drops\": $((frames - (d1 - d0)))"
}

# contended KEYS TRACKER REP COUNT: two senders, one per CPU, the same flow,
# starting together; the span from the first start to the last end.
contended()
{
	local keys=$1 t=$2 rep=$3 n=$4 d0 d1 at up
	d0=$(delivered)
	read -r up _ </proc/uptime
	# CLOCK_MONOTONIC is uptime here (no suspend); start in 0.5 s.
	at=$(awk -v u="$up" 'BEGIN { printf "%.0f", (u + 0.5) * 1e9 }')
	gen -c 0 -T "$at" -n "$n" udp >"$OUT/cpu0.json" &
	gen -c 1 -T "$at" -n "$n" udp >"$OUT/cpu1.json" &
	wait || die "contended fmgen"
	d1=$(delivered)
	rec "$keys, \"tracker\": \"$t\", \"rep\": $rep, \"cpu0\": $(cat "$OUT/cpu0.json"), \"cpu1\": $(cat "$OUT/cpu1.json"), \"frames\": $((2 * n)), \"delivered\": $((d1 - d0)), \"drops\": $((2 * n - (d1 - d0)))"
}

# timed KEYS TRACKER REP CAP CMD...: the wall time of CMD (in the router's
# namespace, output to /dev/null), killed after CAP seconds.
timed()
{
	local keys=$1 t=$2 rep=$3 cap=$4 s e rc=0
	shift 4
	s=$(now_ns)
	in_r timeout "$cap" "$@" >/dev/null 2>&1 || rc=$?
	e=$(now_ns)
	rec "$keys, \"tracker\": \"$t\", \"rep\": $rep, \"ns\": $((e - s)), \"timed_out\": $([ $rc -eq 124 ] && echo true || echo false), \"rc\": $rc"
	[ $rc -eq 0 ] || [ $rc -eq 124 ] || log "$* exited $rc"
}

# mem KEYS TRACKER REP BEFORE AFTER ENTRIES: memory records (meminfo, kB).
mem()
{
	rec "$1, \"tracker\": \"$2\", \"rep\": $3, \"before\": $4, \"after\": $5, \"entries\": $6, \"slabinfo\": \"$(grep -E '^(flowmon|nf_conntrack) ' /proc/slabinfo | tr -s ' ' | tr '\n' ';')\""
}

# fm_stats KEYS REP: flowmon's counters in the router.
fm_stats()
{
	rec "$1, \"tracker\": \"flowmon\", \"rep\": $2, \"stats\": $(in_r "$FLOWCTL" stats -j | tr -d '\n')"
}

# ct_invalid: packets the router's conntrack found invalid (its counter).
ct_invalid()
{
	in_r nft list chain ip fmbench bench_forward |
		awk '/invalid counter/ { print $6; exit }'
}

# --- 1. per packet ----------------------------------------------------------

scenario_per_packet()
{
	local rep t
	log "1. per packet: $PACKETS frames of one UDP flow, a TCP bulk flow, two senders on one flow"
	for rep in $(seq 1 "$REPS"); do
		for t in $(order "$rep"); do
			tracker_on "$t"
			send '"s": "per_packet", "case": "udp"' "$t" "$rep" -n "$PACKETS" udp
			send '"s": "per_packet", "case": "tcp_bulk"' "$t" "$rep" -n $((PACKETS / 3)) tcp-bulk
			contended '"s": "per_packet", "case": "udp_2cpu"' "$t" "$rep" $((PACKETS / 2))
			[ "$t" = conntrack ] && rec "\"s\": \"ct_invalid\", \"tracker\": \"$t\", \"rep\": $rep, \"scenario\": 1, \"invalid\": $(ct_invalid)"
			[ "$t" = flowmon ] && fm_stats '"s": "fm_stats", "scenario": 1' "$rep"
			tracker_off "$t"
		done
		log "  repetition $rep done"
	done
}

# --- 2, 3, 4: new flows, dumps, memory per flow ---------------------------

contains()
{
	case " $1 " in *" $2 "*) return 0 ;; esac
	return 1
}

dumps()
{
	local n=$1 t=$2 rep=$3 k="\"s\": \"dump\", \"n\": $1"
	case $t in
	flowmon)
		timed "$k, \"case\": \"json\"" "$t" "$rep" 600 "$FLOWCTL" -j list
		timed "$k, \"case\": \"plain\"" "$t" "$rep" 600 "$FLOWCTL" list -o plain
		timed "$k, \"case\": \"proc\"" "$t" "$rep" 600 cat /proc/net/flowmon
		;;
	conntrack)
		timed "$k, \"case\": \"json\"" "$t" "$rep" 600 conntrack -L -o extended
		if [ "$n" -le $CT_PROC_FULL ]; then
			timed "$k, \"case\": \"proc\"" "$t" "$rep" 600 cat /proc/net/nf_conntrack
		elif [ "$rep" -eq 1 ]; then
			timed "$k, \"case\": \"proc\"" "$t" "$rep" $PROC_CAP cat /proc/net/nf_conntrack
		fi
		;;
	esac
}

scenario_tables()
{
	local n rep t m0 m1 m2 m3 e t0 last
	log "2-4. new flows, dumps, memory per flow at N = $SIZES"
	for n in $SIZES; do
		last=0
		for rep in $(seq 1 "$REPS"); do
			# Scenarios 2-4 come last: when time runs out, the
			# largest table gets fewer repetitions (at least one).
			if [ "$rep" -gt 1 ] && [ $((SECONDS + last)) -gt "$BUDGET" ]; then
				log "  N=$n: repetitions $rep-$REPS left out: ${last}s more would exceed the ${BUDGET}s budget"
				rec "\"s\": \"skipped\", \"n\": $n, \"reps_done\": $((rep - 1)), \"reps\": $REPS, \"rep_secs\": $last, \"elapsed\": $SECONDS, \"budget\": $BUDGET"
				break
			fi
			t0=$SECONDS
			for t in $(order "$rep"); do
				# shellcheck disable=SC2086 # parameters
				[ "$t" = flowmon ] && tracker_on flowmon $FM_BIG || tracker_on "$t"
				settle
				m0=$(meminfo)
				send "\"s\": \"new_flows\", \"n\": $n, \"case\": \"udp\"" "$t" "$rep" -n "$n" udp-flows
				m1=$(meminfo)
				[ "$t" = none ] || mem "\"s\": \"memory\", \"n\": $n, \"case\": \"udp\"" "$t" "$rep" "$m0" "$m1" "$(entries "$t")"
				dumps "$n" "$t" "$rep"
				# Scenario 6's large-table figures: one flow's
				# per-packet cost behind these N (tables sized for them).
				send "\"s\": \"lookup_sized\", \"n\": $n, \"case\": \"udp\"" "$t" "$rep" -n $((PACKETS / 2)) udp
				if [ "$t" != none ] && contains "$TCP_SIZES" "$n"; then
					e=$(entries "$t")
					m2=$(meminfo)
					send "\"s\": \"new_flows\", \"n\": $n, \"case\": \"tcp\"" "$t" "$rep" -n "$n" tcp-flows
					m3=$(meminfo)
					mem "\"s\": \"memory\", \"n\": $n, \"case\": \"tcp\"" "$t" "$rep" "$m2" "$m3" $(( $(entries "$t") - e ))
				fi
				[ "$t" = flowmon ] && fm_stats "\"s\": \"fm_stats\", \"scenario\": 2, \"n\": $n" "$rep"
				[ "$t" = conntrack ] && rec "\"s\": \"ct_invalid\", \"tracker\": \"$t\", \"rep\": $rep, \"scenario\": 2, \"n\": $n, \"invalid\": $(ct_invalid)"
				tracker_off "$t"
			done
			last=$((SECONDS - t0))
			log "  N=$n repetition $rep done"
		done
	done
	settle
}

# --- 6. lookup at scale -----------------------------------------------------

# flowmon without hashsize, so that its table starts at 256 buckets and
# grows (max_flows as in scenarios 2-4: the default, sized from the VM's
# 2 GB, holds 32768 flows): one flow's per-packet cost behind 1000 and
# behind $LOOKUP_N other flows.
# The same behind 1000 flows for the baseline and conntrack; behind the
# large tables, their figures (and flowmon's with a table sized for them)
# come from scenarios 2-4 (lookup_sized), which already fill them: a
# second 1M-flow fill for each would not fit the 25 minutes.
scenario_lookup()
{
	local rep t k
	log "6. lookup: one flow's per-packet cost behind 1000 and $LOOKUP_N flows (flowmon: no hashsize, growing)"
	for rep in $(seq 1 "$REPS"); do
		for t in $(order "$rep"); do
			# shellcheck disable=SC2086 # parameters
			[ "$t" = flowmon ] && tracker_on flowmon $FM_GROWING || tracker_on "$t"
			[ "$t" = flowmon ] && rec "\"s\": \"fm_params\", \"tracker\": \"flowmon\", \"rep\": $rep, \"hashsize\": $(cat /sys/module/flowmon/parameters/hashsize), \"max_flows\": $(cat /sys/module/flowmon/parameters/max_flows), \"max_flows_containers\": $(cat /sys/module/flowmon/parameters/max_flows_containers)"
			for k in 1000 "$LOOKUP_N"; do
				[ "$k" = 1000 ] || [ "$t" = flowmon ] || continue
				# Flows 0..k-1; the first 1000 are there already.
				send "\"s\": \"lookup_fill\", \"n\": $k" "$t" "$rep" -n "$k" udp-flows
				send "\"s\": \"lookup\", \"n\": $k, \"case\": \"udp\"" "$t" "$rep" -n $((PACKETS / 2)) udp
				rec "\"s\": \"lookup_entries\", \"n\": $k, \"tracker\": \"$t\", \"rep\": $rep, \"entries\": $(entries "$t")"
			done
			[ "$t" = flowmon ] && fm_stats '"s": "fm_stats", "scenario": 6' "$rep"
			tracker_off "$t"
			settle
		done
		log "  repetition $rep done"
	done
}

# --- 5. idle namespaces -----------------------------------------------------

loc_total()
{
	awk '$1 == "LOC:" { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts
}

# Timer and work events in the whole guest, per second over SECS seconds:
# perf's tracepoint counts, and local timer interrupts (/proc/interrupts).
wakeups()
{
	local secs=$1 l0 l1 out
	l0=$(loc_total)
	out=$(perf stat -x, -a -e timer:timer_expire_entry,timer:hrtimer_expire_entry,workqueue:workqueue_execute_start \
		sleep "$secs" 2>&1 >/dev/null | awk -F, '$3 ~ /:/ { printf ", \"%s\": %s", $3, $1 }')
	l1=$(loc_total)
	echo "\"secs\": $secs, \"LOC\": $((l1 - l0))$out"
}

scenario_idle()
{
	local rep t m0 m1 i
	log "5. $IDLE_NS idle namespaces, flowmon (default parameters) loaded and not"
	topology_down
	settle
	for rep in $(seq 1 "$REPS"); do
		for t in $( [ $((rep % 2)) -eq 1 ] && echo none flowmon || echo flowmon none); do
			[ "$t" = flowmon ] && { insmod "$FLOWMON_KO" || die "insmod"; }
			settle
			m0=$(meminfo)
			for i in $(seq 1 "$IDLE_NS"); do
				echo "netns add fmb_idle$i"
			done | ip -batch - || die "creating $IDLE_NS namespaces"
			settle
			m1=$(meminfo)
			rec "\"s\": \"idle\", \"tracker\": \"$t\", \"rep\": $rep, \"namespaces\": $IDLE_NS, \"before\": $m0, \"after\": $m1, $(wakeups 3)"
			for i in $(seq 1 "$IDLE_NS"); do
				echo "netns del fmb_idle$i"
			done | ip -batch - || die "deleting the namespaces"
			settle
			[ "$t" = flowmon ] && { rmmod flowmon || die "rmmod"; }
		done
		log "  repetition $rep done"
	done
	topology_up
}

# --- main -------------------------------------------------------------------

mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
rec "\"s\": \"meta\", \"kernel\": \"$(uname -r)\", \"cpus\": $(nproc), \"mem_kb\": $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo), \"reps\": $REPS, \"sizes\": \"$SIZES\", \"tcp_sizes\": \"$TCP_SIZES\", \"packets\": $PACKETS, \"lookup_n\": $LOOKUP_N, \"idle_ns\": $IDLE_NS, \"budget\": $BUDGET, \"buckets\": $BUCKETS, \"max_flows\": $MAX_FLOWS, \"ct_proc_full\": $CT_PROC_FULL, \"proc_cap\": $PROC_CAP, \"flowmon_version\": \"$(modinfo -F version "$FLOWMON_KO" 2>/dev/null)\", \"cpu\": \"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)\""
conntrack_setup $BUCKETS $MAX_FLOWS
trap topology_down EXIT
topology_up
start=$SECONDS
for s in $ONLY; do
	t0=$SECONDS
	case $s in
	1) scenario_per_packet ;;
	2 | 3 | 4) scenario_tables ;;
	6) scenario_lookup ;;
	5) scenario_idle ;;
	*) die "no scenario $s" ;;
	esac
	rec "\"s\": \"duration\", \"scenario\": \"$s\", \"secs\": $((SECONDS - t0))"
done
rec "\"s\": \"duration\", \"scenario\": \"all\", \"secs\": $((SECONDS - start))"
log "done in $((SECONDS - start)) s"
echo "FMBENCH-DONE"
