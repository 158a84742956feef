# SPDX-License-Identifier: GPL-2.0-only
#
# recallfs: build the module against a kernel build tree, and run the tests.
#
#   make [KDIR=/lib/modules/<release>/build]   build recallfs.ko here
#   make check [SUITES="bookworm sid"]         build and test in VMs (as root); by
#                                              default sid, bullseye, bookworm, trixie
#                                              and trixie-debug, a debug kernel (KASAN,
#                                              lockdep, kmemleak)
#   make sparse                                sparse (C=2), zero warnings
#   make fuzz [FUZZ_SECONDS=600]               fuzz the journal decoder (tools/fuzz,
#                                              clang's libFuzzer), corpus kept in
#                                              tools/fuzz/corpus
#   make install-tools [DESTDIR=...]           recallctl and recallctl.8 (prefix /usr/local)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
PROBES := generated/recallfs_probes.h
PROBE_STAMP := generated/probes.kdir
SUITES ?= sid bullseye bookworm trixie trixie-debug
SPARSE_SUITE ?= bookworm

all: modules

# The probe header depends on which kernel it was made for: remember KDIR and
# that kernel's release, and probe again when either changes.
$(PROBE_STAMP): FORCE
	@mkdir -p generated
	@id="$(abspath $(KDIR)) $$(cat $(KDIR)/include/config/kernel.release 2>/dev/null)"; \
	 [ "$$(cat $@ 2>/dev/null)" = "$$id" ] || echo "$$id" > $@

$(PROBES): $(PROBE_STAMP) scripts/kernel-probes.sh $(wildcard scripts/probes/*.c)
	@test -d $(KDIR) || { echo "no kernel build tree at KDIR=$(KDIR)"; exit 1; }
	scripts/kernel-probes.sh $(KDIR) $@

modules: $(PROBES)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

# sparse over every source file against KDIR; any warning fails.
sparse-here: $(PROBES)
	@# KBUILD_CHECKSRC on the command line: some header packages lack
	@# scripts/checker-valid.sh, and kbuild would then silently skip sparse.
	$(MAKE) -C $(KDIR) M=$(CURDIR) KBUILD_CHECKSRC=2 CHECK=sparse modules 2>&1 | tee generated/sparse.log
	@grep -q "CHECK " generated/sparse.log || { echo "sparse: did not run"; exit 1; }
	@! grep -E '(warning|error):' generated/sparse.log || { echo "sparse: warnings above"; exit 1; }
	@echo "sparse: no warnings"

# Without a local kernel build tree, run sparse in a cached Debian suite.
sparse:
	@if [ -f $(KDIR)/Makefile ]; then $(MAKE) sparse-here; \
	 else selftests/vm/check.sh --sparse $(SPARSE_SUITE); fi

check:
	selftests/vm/check.sh $(SUITES)

fuzz:
	$(MAKE) -C tools/fuzz fuzz

# recallctl and its man page (tools/Makefile: prefix, DESTDIR).
install-tools:
	$(MAKE) -C tools install

clean:
	-[ -f $(KDIR)/Makefile ] && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf generated

.PHONY: all modules modules_install install-tools sparse sparse-here check fuzz clean FORCE
