# SPDX-License-Identifier: MIT
# segoff - plain GNU make. `make` builds the library and the CLI; `make check`
# runs every test; `make demo` runs the main job; `make bench` the benchmarks;
# `make install PREFIX=...` installs. Works with CC=gcc and CC=clang.

VERSION := 0.1.0
SOVERSION := 0
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 $(WARN) -fPIC -Iinclude $(CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS ?=
ALL_LDFLAGS := $(LDFLAGS) $(EXTRA_LDFLAGS)

LIB_SRC := $(wildcard src/core/*.c) $(wildcard src/proto/*.c) $(wildcard src/engine/*.c) \
	   src/io/vnet.c src/io/tap.c
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)

# What the programs around the library share (tests, benchmarks, fuzzers,
# the CLI and its demo): byte helpers, the one packet builder, the pcap
# reader and writer. Not library code: the library itself needs no libpcap.
SUPPORT_SRC := $(wildcard support/*.c)
SUPPORT_LIB := $(BUILD)/libsegoff-support.a

CLI_SRC := $(wildcard tools/segoff/*.c) bench/gso_measure.c bench/gro_measure.c bench/udp_measure.c bench/machine.c
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)

TEST_SUPPORT := tests/check.c
TEST_NAMES := $(basename $(notdir $(wildcard tests/test_*.c)))
# Per-protocol rule tests (tests/proto/NAME.c -> test_proto_NAME): the next
# protocol adds a file here rather than growing the engine's tests.
PROTO_TEST_NAMES := $(basename $(notdir $(wildcard tests/proto/*.c)))
TEST_BINS := $(TEST_NAMES:%=$(BUILD)/tests/%) $(PROTO_TEST_NAMES:%=$(BUILD)/tests/test_proto_%)
KTEST_BINS := $(BUILD)/tests/kernel_gso_diff $(BUILD)/tests/kernel_gro_diff $(BUILD)/tests/kernel_frag_diff \
	      $(BUILD)/tests/kernel_tunnel_gso_diff $(BUILD)/tests/kernel_tunnel_gro_diff \
	      $(BUILD)/tests/kernel_ip_tunnel_gso_diff $(BUILD)/tests/kernel_ip_tunnel_gro_diff \
	      $(BUILD)/tests/kernel_tap_offload $(BUILD)/tests/ip_tunnel_encap.bpf.o
# The tc program that makes the kernel segment GRE and IP-in-IP packets
# (kernel-rules, "How to make the kernel do it"): clang's BPF target, which
# finds <asm/types.h> under the multiarch include directory.
BPF_CC := clang
MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

STATIC_LIB := $(BUILD)/libsegoff.a
SHARED_LIB := $(BUILD)/libsegoff.so.$(VERSION)
CLI := $(BUILD)/segoff

.PHONY: all lib cli tests check demo bench install uninstall clean deps asan fuzz fuzz-smoke fuzz-corpus
all: lib cli $(BUILD)/obj/examples/transmit.o $(BUILD)/obj/examples/receive.o $(BUILD)/obj/examples/vpn_loop.o

lib: $(STATIC_LIB) $(SHARED_LIB)
cli: $(CLI)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# everything but the library sees the support headers
$(BUILD)/obj/support/%.o $(BUILD)/obj/tools/%.o $(BUILD)/obj/tests/%.o $(BUILD)/obj/bench/%.o: ALL_CFLAGS += -Isupport

$(SUPPORT_LIB): $(SUPPORT_SRC:%.c=$(BUILD)/obj/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(STATIC_LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SHARED_LIB): $(LIB_OBJ) src/libsegoff.map
	$(CC) -shared -Wl,-soname,libsegoff.so.$(SOVERSION) -Wl,--version-script=src/libsegoff.map $(ALL_LDFLAGS) -o $@ $(LIB_OBJ)
	ln -sf libsegoff.so.$(VERSION) $(BUILD)/libsegoff.so.$(SOVERSION)
	ln -sf libsegoff.so.$(SOVERSION) $(BUILD)/libsegoff.so

$(CLI): $(CLI_OBJ) $(SUPPORT_LIB) $(STATIC_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(SUPPORT_LIB) $(STATIC_LIB) -lpcap -pthread

$(BUILD)/tests/test_proto_%: tests/proto/%.c tests/proto/gro_collect.h $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -Isupport $(ALL_LDFLAGS) -o $@ $< $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB)

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -Isupport $(ALL_LDFLAGS) -o $@ $< $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB) -lpcap

$(BUILD)/tests/kernel_%_diff: tests/kernel/%_diff.c tests/kernel/lab.c tests/kernel/frames.c $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -Isupport -Itests/kernel $(ALL_LDFLAGS) -o $@ $< tests/kernel/lab.c tests/kernel/frames.c $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB)

# One direction of segoff wire (a CLI file) under test, with socket pairs for TAPs.
$(BUILD)/tests/test_wire_path: tests/test_wire_path.c tools/segoff/wire_path.c tools/segoff/wire.h \
		tools/segoff/cli_args.c tools/segoff/cli.h $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -Isupport $(ALL_LDFLAGS) -o $@ $< tools/segoff/wire_path.c tools/segoff/cli_args.c \
		$(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB) -pthread

$(BUILD)/tests/%.bpf.o: tests/kernel/bpf/%.c
	@mkdir -p $(dir $@)
	$(BPF_CC) -O2 -g -Wall -Werror -target bpf -I/usr/include/$(MULTIARCH) -c $< -o $@

$(BUILD)/tests/kernel_tap_offload: tests/kernel/tap_offload.c tests/kernel/lab.c $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -Isupport -Itests/kernel $(ALL_LDFLAGS) -o $@ $< tests/kernel/lab.c $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB)

$(BUILD)/tests/xfer: tests/wire/xfer.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c fuzz/contract.h $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< fuzz/replay.c $(STATIC_LIB)

FUZZ_TARGETS := gso gro reasm vnet frag
tests: all $(TEST_BINS) $(KTEST_BINS) $(BUILD)/tests/xfer $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)

# libFuzzer build for developers: make fuzz; build/fuzz/fuzz_gso fuzz/corpus
fuzz:
	@mkdir -p build/fuzz
	for t in $(FUZZ_TARGETS); do \
		clang -std=c11 -g -O1 -Iinclude -fsanitize=fuzzer,address,undefined -o build/fuzz/fuzz_$$t \
			fuzz/fuzz_$$t.c $(LIB_SRC) || exit 1; \
	done

# Each target for FUZZ_SECONDS (30) under libFuzzer with ASan and UBSan, from
# its committed corpus (copied: the run's finds are not written into the tree).
FUZZ_SECONDS ?= 30
fuzz-smoke: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		dir=fuzz/corpus; [ $$t = gso ] || dir=fuzz/corpus-$$t; \
		work=$$(mktemp -d); cp $$dir/* $$work/; \
		echo "== fuzz_$$t: $(FUZZ_SECONDS) s from $$dir"; \
		rc=0; build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build/fuzz/crash-$$t- $$work >build/fuzz/smoke-$$t.log 2>&1 || rc=$$?; \
		grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' build/fuzz/smoke-$$t.log || true; \
		rm -rf $$work; \
		[ $$rc = 0 ] || { tail -40 build/fuzz/smoke-$$t.log; echo "fuzz_$$t: FAILED (see build/fuzz/crash-$$t-*)"; exit 1; }; \
	done; echo "fuzz-smoke: every target ran $(FUZZ_SECONDS) s clean"

fuzz-corpus: $(STATIC_LIB) $(SUPPORT_LIB) $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o)
	@mkdir -p fuzz/corpus fuzz/corpus-gro fuzz/corpus-reasm fuzz/corpus-vnet fuzz/corpus-frag
	$(CC) $(ALL_CFLAGS) -Itests -Isupport -o $(BUILD)/mkcorpus fuzz/mkcorpus.c $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(SUPPORT_LIB) $(STATIC_LIB)
	$(BUILD)/mkcorpus fuzz/corpus

deps:
	@scripts/deps

# The whole suite: unit, property, CLI and kernel differential tests.
check: deps
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) scripts/run-tests

# Unit and property tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" tests
	@BUILD=build-asan SEGOFF_TEST_UNIT_ONLY=1 scripts/run-tests

# The main job: the built-in trace through the whole library; as root with
# iperf3 present, a short segoff lab after it (real kernels through segoff
# wire, and through two segoff relays: the VPN datapath's relay rows).
demo: deps
	@$(MAKE) --no-print-directory all
	$(CLI) demo --out demo-out
	@if [ "$$(id -u)" = 0 ] && command -v iperf3 >/dev/null && [ -w /dev/net/tun ]; then \
		echo; echo "8. segoff lab --quick (iperf3 through segoff wire and a segoff relay pair, veth as the reference)"; \
		$(CLI) lab --quick --out demo-out/lab; \
	else \
		echo; echo "(segoff lab skipped: it needs root, /dev/net/tun and iperf3; run: sudo make demo)"; \
	fi

bench: deps
	@scripts/deps --bench
	@$(MAKE) --no-print-directory all $(BUILD)/bench-gso $(BUILD)/bench-gro $(BUILD)/bench-udp
	$(BUILD)/bench-gso
	$(BUILD)/bench-gro
	$(BUILD)/bench-udp

DPDK_CFLAGS := $(shell pkg-config --cflags libdpdk 2>/dev/null)
DPDK_LIBS := $(shell pkg-config --libs libdpdk 2>/dev/null)
ifneq ($(DPDK_LIBS),)
BENCH_DPDK := -DHAVE_DPDK -DALLOW_EXPERIMENTAL_API $(DPDK_CFLAGS)
endif
# DPDK's headers are not -Wextra clean; the peer file alone is built without -Werror.
$(BUILD)/bench-gso: bench/bench_gso.c bench/gso_measure.c bench/machine.c $(SUPPORT_LIB) $(STATIC_LIB)
	$(CC) -std=gnu11 -O2 -g -Iinclude -Ibench -Isupport -Wall $(BENCH_DPDK) -o $@ bench/bench_gso.c bench/gso_measure.c bench/machine.c $(SUPPORT_LIB) $(STATIC_LIB) $(DPDK_LIBS)

$(BUILD)/bench-gro: bench/bench_gro.c bench/gro_measure.c bench/machine.c $(SUPPORT_LIB) $(STATIC_LIB)
	$(CC) -std=gnu11 -O2 -g -Iinclude -Ibench -Isupport -Wall $(BENCH_DPDK) -o $@ bench/bench_gro.c bench/gro_measure.c bench/machine.c $(SUPPORT_LIB) $(STATIC_LIB) $(DPDK_LIBS)

$(BUILD)/bench-udp: bench/bench_udp.c bench/udp_measure.c bench/gro_measure.c bench/machine.c $(SUPPORT_LIB) $(STATIC_LIB)
	$(CC) -std=gnu11 -O2 -g -Iinclude -Ibench -Isupport -Wall $(BENCH_DPDK) -o $@ bench/bench_udp.c bench/udp_measure.c bench/gro_measure.c bench/machine.c $(SUPPORT_LIB) $(STATIC_LIB) $(DPDK_LIBS)

$(BUILD)/segoff.pc: segoff.pc.in FORCE
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

FORCE:

install: all $(BUILD)/segoff.pc
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/segoff \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(STATIC_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(SHARED_LIB) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libsegoff.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libsegoff.so.$(SOVERSION)
	ln -sf libsegoff.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libsegoff.so
	install -m 644 include/segoff/*.h $(DESTDIR)$(PREFIX)/include/segoff/
	install -m 644 $(BUILD)/segoff.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 docs/segoff.1 $(DESTDIR)$(PREFIX)/share/man/man1/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libsegoff.* $(DESTDIR)$(PREFIX)/lib/pkgconfig/segoff.pc \
		$(DESTDIR)$(PREFIX)/bin/segoff $(DESTDIR)$(PREFIX)/share/man/man1/segoff.1
	rm -rf $(DESTDIR)$(PREFIX)/include/segoff

clean:
	rm -rf build build-asan demo-out

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
