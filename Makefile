# SPDX-License-Identifier: GPL-2.0
#
# flowmon: netfilter flow monitor (flowmon.ko) and its CLI (tools/flowctl).
#
#   make [all]        build flowmon.ko (Kbuild) and tools/flowctl/flowctl
#   make deps         install the Debian packages needed (no-op if present)
#   make check        deps, all, then the selftests in a QEMU VM (TAP)
#   make demo         deps, all, then tools/vm/demo.sh in a QEMU VM
#   make load|unload  insmod/rmmod flowmon.ko on this machine
#   make checkpatch   the kernel's checkpatch.pl --strict on the module
#   make sparse       module build with sparse (C=2)
#   make clean        remove build products and .build/
#
# Variables:
#   KDIR   kernel build tree; default /lib/modules/$(uname -r)/build if it
#          exists, else /lib/modules/$(KVER)/build
#   KVER   kernel booted by the VM targets; default: the newest installed
#          Debian 6.1 kernel (tools/vm/run --print-kver).  check and demo
#          always build the module against this kernel's headers.
#   W=1, C=1|2, V=1 ...  are passed on to Kbuild.

MAKEFLAGS += --no-print-directory

VMRUN := $(CURDIR)/tools/vm/run
KVER ?= $(shell $(VMRUN) --print-kver 2>/dev/null)

HOST_KDIR := /lib/modules/$(shell uname -r)/build
ifneq ($(wildcard $(HOST_KDIR)),)
KDIR ?= $(HOST_KDIR)
else
KDIR ?= /lib/modules/$(KVER)/build
endif
VM_KDIR = /lib/modules/$(KVER)/build

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

DEB_PACKAGES := qemu-system-x86 linux-image-amd64 linux-headers-amd64 \
	libnl-3-dev libnl-genl-3-dev pkg-config busybox-static iproute2 \
	iputils-ping kmod cpio python3 sparse linux-source-6.1 gcc make \
	procps ethtool perl

LINUX_SRC_TAR := /usr/src/linux-source-6.1.tar.xz
LINUX_SRC_TOP := linux-source-6.1
CHECKPATCH_DIR := .build/linux
CHECKPATCH_FILES := scripts/checkpatch.pl scripts/spelling.txt \
	scripts/const_structs.checkpatch
CHECKPATCH_SOURCES = $(wildcard module/*.c module/*.h) include/uapi/linux/flowmon.h

.PHONY: all module flowctl deps check demo load unload clean checkpatch sparse \
	kdir-check

all: module flowctl

kdir-check:
	@test -d "$(KDIR)" || { \
		echo "kernel build tree '$(KDIR)' not found: run 'make deps' or set KDIR=" >&2; \
		exit 1; }

module: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

flowctl:
	$(MAKE) -C tools/flowctl

deps:
	@missing=; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${db:Status-Abbrev}' "$$p" 2>/dev/null | \
			grep -q '^ii' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends $$missing; \
	fi

# The VM boots $(KVER): build the module for it, whatever this host runs.
check: deps
	@$(MAKE) all KDIR=$(VM_KDIR)
	@$(MAKE) -C selftests prepare
	@$(VMRUN) --kver "$(KVER)" --tap -- selftests/run.sh

demo: deps
	@$(MAKE) all KDIR=$(VM_KDIR)
	@$(VMRUN) --kver "$(KVER)" -- tools/vm/demo.sh

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
	$(MAKE) -C selftests clean
	rm -rf .build

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
