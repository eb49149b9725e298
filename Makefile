# SPDX-License-Identifier: GPL-2.0
#
# flowmon: netfilter flow monitor (flowmon.ko) and its CLI (tools/flowctl).
#
#   make [all]        build flowmon.ko (Kbuild), tools/flowctl/flowctl and
#                     tools/bench/fmgen (the benchmark's and the SYN flood's
#                     traffic generator)
#   make deps         install the Debian packages needed (no-op if present)
#   make check        deps, all, then the selftests in a QEMU VM (TAP)
#   make stress       deps, all, then the tests of selftests/stress.list at
#                     their heavy sizes (netlink and packet fuzzing,
#                     unload under fire) in a QEMU VM; see README
#   make check-debug  the same on the debug kernel (KASAN, lockdep, kmemleak
#                     ...), built first by tools/vm/debug-kernel (slow)
#   make debug-kernel build (or update) that kernel in .build/debug-kernel
#   make demo         deps, all, then tools/vm/demo.sh in a QEMU VM
#   make bench        deps, all, then the benchmark (tools/bench) in one VM
#                     boot: flowmon against no tracker and nf_conntrack;
#                     results in .build/bench (results.json, bench.png)
#   make install      flowmon.ko (modules_install, depmod), flowctl, man
#                     pages, bash completion, the systemd unit of the
#                     exporter and its example config; DESTDIR, PREFIX
#   make uninstall    remove them (the config only if unchanged)
#   make dkms-install the module's sources to /usr/src/flowmon-VERSION,
#                     then dkms add, build and install for the running
#                     kernel (with DESTDIR: the sources only)
#   make dkms-uninstall  dkms remove, and the sources
#   make deb          flowmon-dkms and flowctl .deb files (debhelper,
#                     dh-dkms) from tools/debian, in .build/deb
#   make check-packaging  install, uninstall, dkms build against the
#                     installed 6.1 and 6.12 headers, and the packages
#                     (lintian, installed into a fresh root), on this machine
#   make load|unload  insmod/rmmod flowmon.ko on this machine
#   make checkpatch   the kernel's checkpatch.pl --strict on the module
#   make sparse       module build with sparse (C=2)
#   make clean        remove build products and .build/ (but the debug kernel)
#   make clean-debug-kernel  remove .build/debug-kernel
#
# Variables:
#   KDIR   kernel build tree; default /lib/modules/$(uname -r)/build if it
#          exists, else that of the kernel KVER names
#   KVER   kernel booted by the VM targets: a Debian series, 6.1 (the
#          default) or 6.12, whose newest installed kernel is booted, or one
#          version (6.12.117+deb12-amd64); deps installs its image and
#          headers.  The VM targets build the module against its headers.
#   DEBUG_TIMEOUT  check-debug's limit for the whole VM run, seconds
#   DEBUG_TEST_TIMEOUT  check-debug's limit for each test, seconds (900)
#   STRESS_TIMEOUT stress's limit for the whole VM run, seconds
#   REPEAT  check and stress run the suite this many times in one boot
#           (default 1; the VM time limit grows with it)
#   DESTDIR, PREFIX (default /usr/local), SBINDIR, MANDIR, BASHCOMPDIR,
#   UNITDIR, SYSCONFDIR (default /etc)  where install puts things
#   W=1, C=1|2, V=1 ...  are passed on to Kbuild.

MAKEFLAGS += --no-print-directory

VMRUN := $(CURDIR)/tools/vm/run
KVER ?= 6.1
# Expanded when used: after deps has installed the kernel.
VM_KVER = $(shell $(VMRUN) --kver "$(KVER)" --print-kver 2>/dev/null)

HOST_KDIR := /lib/modules/$(shell uname -r)/build
ifneq ($(wildcard $(HOST_KDIR)),)
KDIR ?= $(HOST_KDIR)
else
KDIR ?= /lib/modules/$(VM_KVER)/build
endif
VM_KDIR = /lib/modules/$(VM_KVER)/build

# The image and headers of KVER: Debian 12's default kernel is 6.1, its
# newer series have packages of their own (6.12 in bookworm-security).
ifneq ($(shell echo '$(KVER)' | grep -Ex '[0-9]+\.[0-9]+'),)
ifeq ($(KVER),6.1)
KERNEL_DEB_PACKAGES := linux-image-amd64 linux-headers-amd64
else
KERNEL_DEB_PACKAGES := linux-image-$(KVER)-amd64 linux-headers-$(KVER)-amd64
endif
else
KERNEL_DEB_PACKAGES := linux-image-$(KVER) linux-headers-$(KVER)
endif

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

DEB_PACKAGES := qemu-system-x86 $(KERNEL_DEB_PACKAGES) \
	libnl-3-dev libnl-genl-3-dev pkg-config busybox-static iproute2 \
	iputils-ping kmod cpio python3 sparse linux-source-6.1 gcc make \
	procps ethtool perl conntrack nftables bind9-dnsutils dnsmasq-base curl \
	openssl openssh-client openssh-server nfdump tshark prometheus

# tools/vm/debug-kernel builds the debug kernel in DEBUG_KDIR.
DEBUG_DEB_PACKAGES := flex bison bc libelf-dev libssl-dev
DEBUG_KERNEL := $(CURDIR)/tools/vm/debug-kernel
DEBUG_KDIR := $(CURDIR)/.build/debug-kernel/obj
DEBUG_TIMEOUT ?= 14400
# Each test's limit on the debug kernel, three times the suite's settings:
# under KASAN and lockdep netns_churn.sh alone ran 298 s of its 300.
DEBUG_TEST_TIMEOUT ?= 900
# failslab's cache filter takes the caches marked at their creation
# (selftests/fault_inject.sh): 6.1 has no writable
# /sys/kernel/slab/*/failslab.
DEBUG_APPEND ?= slub_debug=A,flow,flow_tcp
# A cap against a hung guest, not the suite's budget: the suite takes 11 to
# 25 minutes under TCG, depending on the host; CI gives 90.
CHECK_TIMEOUT ?= 2700
STRESS_TIMEOUT ?= 7200
REPEAT ?= 1
# SKIP_STRESS=1: make check leaves out the tests of selftests/stress.list;
# SKIP_USERSPACE=1 those of selftests/userspace.list.
SKIP_STRESS ?=
SKIP_USERSPACE ?=
RUN_SUITE := selftests/run.sh $(if $(filter-out 1,$(REPEAT)),--repeat $(REPEAT))
CHECK_SUITE := $(RUN_SUITE) $(if $(SKIP_STRESS),--skip-stress) \
	$(if $(SKIP_USERSPACE),--skip-userspace)

LINUX_SRC_TAR := /usr/src/linux-source-6.1.tar.xz
LINUX_SRC_TOP := linux-source-6.1
CHECKPATCH_DIR := .build/linux
CHECKPATCH_FILES := scripts/checkpatch.pl scripts/spelling.txt \
	scripts/const_structs.checkpatch
CHECKPATCH_SOURCES = $(wildcard module/*.c module/*.h) include/uapi/linux/flowmon.h

.PHONY: all module flowctl fmgen deps check demo load unload clean checkpatch sparse \
	kdir-check deps-debug debug-kernel check-debug clean-debug-kernel stress \
	install install-module install-flowctl uninstall dkms-install \
	dkms-uninstall check-packaging deb

all: module flowctl fmgen

kdir-check:
	@test -d "$(KDIR)" || { \
		echo "kernel build tree '$(KDIR)' not found: run 'make deps' or set KDIR=" >&2; \
		exit 1; }

module: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

flowctl:
	$(MAKE) -C tools/flowctl

# The benchmark's traffic generator, which syn_flood_scale.sh floods with.
fmgen:
	$(MAKE) -C tools/bench

# $(call install_missing,PACKAGES): apt-get install those not installed.
define install_missing
	@missing=; \
	for p in $(1); do \
		dpkg-query -W -f='$${db:Status-Abbrev}' "$$p" 2>/dev/null | \
			grep -q '^ii' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEB_PACKAGES))

deps-debug: deps
	$(call install_missing,$(DEBUG_DEB_PACKAGES))

# The VM boots $(VM_KVER): build the module for it, whatever this host runs.
check: deps
	@$(MAKE) all KDIR=$(VM_KDIR)
	@$(MAKE) -C selftests prepare
	@$(VMRUN) --kver "$(VM_KVER)" --timeout $$(($(CHECK_TIMEOUT) * $(REPEAT))) \
		--tap -- $(CHECK_SUITE)

stress: deps
	@$(MAKE) all KDIR=$(VM_KDIR)
	@$(MAKE) -C selftests prepare
	@$(VMRUN) --kver "$(VM_KVER)" --timeout $$(($(STRESS_TIMEOUT) * $(REPEAT))) \
		--tap -- $(RUN_SUITE) --stress

# The selftests on the debug kernel: KASAN and lockdep reports, atomic
# sleeps, list corruption and UBSAN reports in the kernel log fail the run,
# and so does any object kmemleak finds unreferenced after the suite and
# the unload (tools/vm/guest.sh).  flowmon.ko is built for the debug kernel,
# with -g so that reports decode (scripts/faddr2line flowmon.ko SYM+OFF).
debug-kernel: deps-debug
	@$(DEBUG_KERNEL) build

check-debug: debug-kernel
	@$(MAKE) all KDIR=$(DEBUG_KDIR) KCFLAGS=-g
	@$(MAKE) -C selftests prepare
	@$(VMRUN) --kernel "$(DEBUG_KDIR)" --timeout $(DEBUG_TIMEOUT) --tap \
		--append "$(DEBUG_APPEND)" -- \
		selftests/run.sh --timeout $(DEBUG_TEST_TIMEOUT)

demo: deps
	@$(MAKE) all KDIR=$(VM_KDIR)
	@$(VMRUN) --kver "$(VM_KVER)" -- tools/vm/demo.sh

# The benchmark: tools/bench/bench.sh in the VM (its traffic generator
# tools/bench/fmgen), then tools/bench/report.py on the host: the table,
# .build/bench/results.json and the gnuplot plot .build/bench/bench.png.
# perf counts timer events in the guest (which shares this root).
BENCH_DEB_PACKAGES := gnuplot-nox linux-perf conntrack nftables ethtool
BENCH_OUT := $(CURDIR)/.build/bench

.PHONY: bench deps-bench

deps-bench: deps
	$(call install_missing,$(BENCH_DEB_PACKAGES))

bench: deps-bench
	@$(MAKE) all KDIR=$(VM_KDIR)
	@tools/bench/run --kver "$(VM_KVER)" "$(BENCH_OUT)"

VERSION := $(shell sed -n 's/^\#define FLOWMON_VERSION "\(.*\)"/\1/p' module/version.h)
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
# The release of the kernel KDIR builds for, where its modules live: its
# UTS_RELEASE (Debian's 6.1 headers say 6.1.192 in kernel.release).
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
# What DKMS needs of the tree to build the module.
DKMS_SOURCES := Kbuild module include
DKMS_DIR = $(DESTDIR)/usr/src/flowmon-$(VERSION)
# dkms builds against both series' headers.
PACKAGING_DEB_PACKAGES := dkms systemd man-db linux-headers-amd64 \
	linux-headers-6.12-amd64

install: install-module install-flowctl

# 6.1's kbuild puts external modules in extra/, 6.12's in updates/: one place.
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates KERNELRELEASE=$(KREL) modules_install
	$(if $(DESTDIR),,depmod -a $(KREL))

install-flowctl: flowctl
	install -D -m 0755 tools/flowctl/flowctl $(DESTDIR)$(SBINDIR)/flowctl
	install -D -m 0644 tools/flowctl/flowctl.8 $(DESTDIR)$(MANDIR)/man8/flowctl.8
	install -D -m 0644 tools/flowmon.4 $(DESTDIR)$(MANDIR)/man4/flowmon.4
	install -D -m 0644 tools/completion/flowctl.bash \
		$(DESTDIR)$(BASHCOMPDIR)/flowctl
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		tools/systemd/flowmon-export.service \
		>$(DESTDIR)$(UNITDIR)/flowmon-export.service
	test -e $(DESTDIR)$(SYSCONFDIR)/default/flowmon-export || \
		install -D -m 0644 tools/systemd/flowmon-export.default \
			$(DESTDIR)$(SYSCONFDIR)/default/flowmon-export

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KREL)/updates/flowmon.ko*
	$(if $(DESTDIR),,depmod -a $(KREL))
	rm -f $(DESTDIR)$(SBINDIR)/flowctl $(DESTDIR)$(MANDIR)/man8/flowctl.8 \
		$(DESTDIR)$(MANDIR)/man4/flowmon.4 $(DESTDIR)$(BASHCOMPDIR)/flowctl \
		$(DESTDIR)$(UNITDIR)/flowmon-export.service
	@# A config the admin changed stays, as a package's conffile would.
	if cmp -s tools/systemd/flowmon-export.default \
		$(DESTDIR)$(SYSCONFDIR)/default/flowmon-export; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/default/flowmon-export; fi

dkms-install:
	rm -rf $(DKMS_DIR)
	install -d $(DKMS_DIR)
	cp -R $(DKMS_SOURCES) $(DKMS_DIR)/
	sed 's/#MODULE_VERSION#/$(VERSION)/g' tools/dkms/dkms.conf >$(DKMS_DIR)/dkms.conf
	$(if $(DESTDIR),,dkms add flowmon/$(VERSION) && \
		dkms build flowmon/$(VERSION) && dkms install flowmon/$(VERSION))

dkms-uninstall:
	$(if $(DESTDIR),,-dkms remove flowmon/$(VERSION) --all)
	rm -rf $(DKMS_DIR)

DEB_DIR := .build/deb
DEB_BUILD_DEB_PACKAGES := dpkg-dev debhelper dh-dkms fakeroot libnl-3-dev \
	libnl-genl-3-dev pkg-config
DEB_SOURCES := Kbuild Makefile module include tools README.md

# A copy of the sources, without what a build left, and tools/debian as
# its debian/; the changelog must name this version.
deb:
	$(call install_missing,$(DEB_BUILD_DEB_PACKAGES))
	@grep -q '^flowmon ($(VERSION))' tools/debian/changelog || { \
		echo "deb: tools/debian/changelog does not name version $(VERSION)" >&2; \
		exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/flowmon-$(VERSION)
	tar cf - --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='*.d' \
		--exclude=tools/flowctl/flowctl --exclude=tools/bench/fmgen \
		$(DEB_SOURCES) | tar xf - -C $(DEB_DIR)/flowmon-$(VERSION)
	cp -R tools/debian $(DEB_DIR)/flowmon-$(VERSION)/debian
	cd $(DEB_DIR)/flowmon-$(VERSION) && dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/*.deb

# packaging.sh on this machine, deb_install.sh in the VM; the result line
# counts the two scripts.
check-packaging: deps
	$(call install_missing,$(PACKAGING_DEB_PACKAGES) $(DEB_BUILD_DEB_PACKAGES))
	@mkdir -p .build && $(MAKE) deb >.build/deb.log 2>&1 || \
		{ tail -20 .build/deb.log; exit 1; }
	@pass=0; fail=0; skip=0; \
	for t in "selftests/packaging.sh" \
		"$(VMRUN) --kver $(VM_KVER) --timeout 1800 -- selftests/deb_install.sh"; do \
		echo "# $$t"; rc=0; $$t || rc=$$?; \
		case $$rc in 0) pass=$$((pass + 1)) ;; 4) skip=$$((skip + 1)) ;; \
		*) fail=$$((fail + 1)) ;; esac; \
	done; \
	echo "$$pass passed, $$fail failed, $$skip skipped"; [ $$fail = 0 ]

load:
	$(SUDO) insmod ./flowmon.ko

unload:
	$(SUDO) rmmod flowmon

clean:
	@if [ -d "$(KDIR)" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	else \
		echo "clean: no kernel build tree at '$(KDIR)', removing module objects by hand"; \
		rm -f flowmon.ko flowmon.o flowmon.mod flowmon.mod.[co] .flowmon.* \
			module/*.o module/.*.cmd .*.cmd Module.symvers modules.order; \
	fi
	$(MAKE) -C tools/flowctl clean
	$(MAKE) -C tools/bench clean
	$(MAKE) -C selftests clean
	@# The debug kernel takes half an hour to build: make clean-debug-kernel.
	rm -rf $(filter-out .build/debug-kernel,$(wildcard .build/* .build/.[!.]*))
	@rmdir .build 2>/dev/null || true

clean-debug-kernel:
	rm -rf .build/debug-kernel

$(CHECKPATCH_DIR)/scripts/checkpatch.pl: $(LINUX_SRC_TAR)
	mkdir -p $(CHECKPATCH_DIR)
	tar -xJf $(LINUX_SRC_TAR) -C $(CHECKPATCH_DIR) --strip-components=1 \
		--occurrence=1 $(addprefix $(LINUX_SRC_TOP)/,$(CHECKPATCH_FILES))
	touch $@

$(LINUX_SRC_TAR):
	@echo "$@ is missing: run 'make deps'" >&2; exit 1

checkpatch: $(CHECKPATCH_DIR)/scripts/checkpatch.pl
	perl $(CHECKPATCH_DIR)/scripts/checkpatch.pl --strict --no-tree -f \
		$(CHECKPATCH_SOURCES)

sparse: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules
