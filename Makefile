# tlsdump: `make demo` to see it work, `make test` to check it.
#
# `make demo` and `make test` first run `deps`, which installs the Debian
# packages the build and the tests need when one is missing.  A plain
# `make` or `make install` never installs anything, and takes the
# packager's CFLAGS, CPPFLAGS and LDFLAGS in addition to its own.

# The version: here only (the binary and the installed man page get it).
VERSION    := 0.2
PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= gcc
PKG_CONFIG ?= pkg-config
CFLAGS     ?= -O2 -g
# -Werror only where the code is developed: `make WERROR=1`, and `make test`.
WERROR     ?= 0
WARNINGS   := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 \
              $(if $(filter 1,$(WERROR)),-Werror)
SANITIZE   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN       := -fsanitize=thread

# Libraries through pkg-config (their names if it is missing): libpcap,
# OpenSSL's libcrypto, zlib (TLS record compression, RFC 3749); CUnit for
# the unit tests only.
pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkg_libs   = $(or $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null),$(2))
LIBS_CFLAGS := $(call pkg_cflags,libpcap libcrypto zlib ncursesw)
LIBS        := $(call pkg_libs,libpcap,-lpcap) $(call pkg_libs,libcrypto,-lcrypto) \
               $(call pkg_libs,zlib,-lz) $(call pkg_libs,ncursesw,-lncursesw -ltinfo) -pthread
CUNIT_LIBS  := $(call pkg_libs,cunit,-lcunit)

TD_CPPFLAGS = -std=c11 -D_GNU_SOURCE -Iinclude -DTLSDUMP_VERSION='"$(VERSION)"' $(LIBS_CFLAGS) \
              $(CPPFLAGS)
TD_CFLAGS   = $(WARNINGS) -pthread $(CFLAGS)

# What a fresh Debian machine needs: to build, and to run the tests
# (openssl and iproute2 for the live capture test, python3 to check
# output, valgrind for the leak check, binutils' readelf for the
# packaging test, python3-jsonschema to validate -j's lines against
# man/tlsdump.schema.json, tshark to read what -w and --keys-out write (it installs
# without a question under DEBIAN_FRONTEND=noninteractive), clang-format
# to check that the sources keep .clang-format's layout, tmux to drive
# the curses view in a terminal, python3-yaml and parallel for --shard's
# Kubernetes manifest and GNU parallel recipe).
BUILD_PKGS := gcc make libc6-dev pkg-config libssl-dev libpcap-dev zlib1g-dev libncurses-dev \
              libcunit1-dev
TEST_PKGS  := openssl iproute2 python3 python3-jsonschema valgrind binutils tshark clang-format \
              tmux python3-yaml parallel
DEMO_PCAP  := pcaps/tls13-openssl.pcap

SRCS := $(wildcard src/*.c src/*/*.c)
LIB_SRCS := $(filter-out src/main.c src/options.c src/usage.c src/keysetup.c,$(SRCS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
FUZZ_TARGETS := record message packet client_hello server_hello certificate extensions \
                session keylog capture tcp verify
REL_LIB  = $(patsubst %.c,build/rel/%.o,$(LIB_SRCS))
ASAN_LIB = $(patsubst %.c,build/asan/%.o,$(LIB_SRCS))

# `make V=1` echoes every command in full.
Q := $(if $(filter 1,$(V)),,@)

# The release objects are rebuilt when the compiler or its flags change
# (between `make` and `make test`'s -Werror, or a packager's flags).
REL_FLAGS := $(CC) $(TD_CPPFLAGS) $(TD_CFLAGS)
ifneq ($(REL_FLAGS),$(file <build/rel/flags))
$(shell mkdir -p build/rel)
$(file >build/rel/flags,$(REL_FLAGS))
endif

.PHONY: all deps demo test fuzz bench bench-live hostile install uninstall clean format format-check \
        deps-check
.DEFAULT_GOAL := all
# Fuzz objects are kept between runs (they would be rebuilt each time).
.SECONDARY:

all: tlsdump

deps:
	@missing=""; \
	for p in $(BUILD_PKGS) $(TEST_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Two builds side by side: build/rel (./tlsdump) and build/asan.
build/rel/%.o: %.c build/rel/flags
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(TD_CPPFLAGS) $(TD_CFLAGS) -MMD -MP -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC/asan $<"
	$(Q)$(CC) $(TD_CPPFLAGS) -O1 -g $(SANITIZE) $(WARNINGS) -MMD -MP -c -o $@ $<

# A third, under ThreadSanitizer, for --threads (tests/e2e/threads_checks.py).
build/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC/tsan $<"
	$(Q)$(CC) $(TD_CPPFLAGS) -O1 -g $(TSAN) $(WARNINGS) -MMD -MP -c -o $@ $<

tlsdump: $(patsubst %.c,build/rel/%.o,$(SRCS))
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

build/asan/tlsdump: $(patsubst %.c,build/asan/%.o,$(SRCS))
	@echo "  LD/asan $@"
	$(Q)$(CC) $(SANITIZE) -o $@ $^ $(LIBS)

build/tsan/tlsdump: $(patsubst %.c,build/tsan/%.o,$(SRCS))
	@echo "  LD/tsan $@"
	$(Q)$(CC) $(TSAN) -o $@ $^ $(LIBS)

build/rel/unit_tests: $(patsubst %.c,build/rel/%.o,$(UNIT_SRCS)) $(REL_LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(CUNIT_LIBS)

build/asan/unit_tests: $(patsubst %.c,build/asan/%.o,$(UNIT_SRCS)) $(ASAN_LIB)
	@echo "  LD/asan $@"
	$(Q)$(CC) $(SANITIZE) -o $@ $^ $(LIBS) $(CUNIT_LIBS)

# Fuzz targets, replayed over their corpora by `make test` (gcc), or built
# for libFuzzer with `make fuzz` (clang).
build/rel/fuzz_%: build/rel/tests/fuzz/fuzz_%.o build/rel/tests/fuzz/replay.o $(REL_LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

build/asan/fuzz_%: build/asan/tests/fuzz/fuzz_%.o build/asan/tests/fuzz/replay.o $(ASAN_LIB)
	@echo "  LD/asan $@"
	$(Q)$(CC) $(SANITIZE) -o $@ $^ $(LIBS)

fuzz:
	@mkdir -p build/fuzz
	for t in $(FUZZ_TARGETS); do \
	  clang -std=c11 -D_GNU_SOURCE -Iinclude -DTLSDUMP_VERSION='"$(VERSION)"' -g -O1 \
	    -fsanitize=fuzzer,address,undefined \
	    -o build/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c $(LIB_SRCS) $(LIBS) || exit 1; \
	done
	@echo "run e.g.: build/fuzz/fuzz_record -max_total_time=60 tests/fuzz/corpus/record"

demo: deps
	@$(MAKE) --no-print-directory tlsdump
	./tlsdump -r $(DEMO_PCAP) -l $(DEMO_PCAP:.pcap=.keys) -d

# The whole suite, once with the release build and once under
# AddressSanitizer and UndefinedBehaviorSanitizer, with -Werror, then
# --threads' checks under ThreadSanitizer.
test: deps
	@$(MAKE) --no-print-directory WERROR=1 test-run

.PHONY: test-run
test-run: tlsdump build/rel/unit_tests build/asan/tlsdump build/asan/unit_tests build/tsan/tlsdump \
          $(foreach t,$(FUZZ_TARGETS),build/rel/fuzz_$(t) build/asan/fuzz_$(t))
	@echo "== layout: .clang-format"
	$(Q)$(MAKE) --no-print-directory format-check
	@echo "== layout: the stage graph"
	$(Q)$(MAKE) --no-print-directory deps-check
	@echo "== packaging: the packager's flags"
	$(Q)tests/packaging.sh
	@echo "== unit tests (release build)"
	build/rel/unit_tests
	@for t in $(FUZZ_TARGETS); do build/rel/fuzz_$$t tests/fuzz/corpus/$$t || exit 1; done
	@echo "== end-to-end tests (release build)"
	tests/e2e/run.sh ./tlsdump
	@echo "== unit tests (ASan+UBSan build)"
	ASAN_OPTIONS=detect_leaks=1 build/asan/unit_tests
	@for t in $(FUZZ_TARGETS); do build/asan/fuzz_$$t tests/fuzz/corpus/$$t || exit 1; done
	@echo "== end-to-end tests (ASan+UBSan build)"
	ASAN_OPTIONS=detect_leaks=1 tests/e2e/run.sh build/asan/tlsdump
	@echo "== --threads under ThreadSanitizer"
	python3 tests/e2e/threads_checks.py build/tsan/tlsdump tests/out --tsan

# tlsdump against tshark and ssldump on a 280 MB capture of binary
# downloads and one of text (bench/README.md): -d, -j, --summary, the floor
# (libpcap plus AES), memory over ten copies, then the live replay.  Making
# the captures and the live replay need root.
bench: tlsdump build/rel/bench-baseline
	@[ -s bench/out/bench.pcap ] && [ -s bench/out/bench.keys ] || bench/make-capture.sh
	@[ -s bench/out/bench-text.pcap ] && [ -s bench/out/bench-text.keys ] || \
	  CONTENT=text bench/make-capture.sh
	bench/run.sh
	bench/run.sh bench/out/bench-text.pcap bench/out/bench-text.keys
	bench/scale.sh
	bench/live.sh

build/rel/bench-baseline: bench/baseline.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(TD_CPPFLAGS) $(TD_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS)

# The same capture replayed at full speed onto a veth pair while each tool
# captures it live (bench/README.md); needs root and tcpreplay.
bench-live: tlsdump
	@[ -s bench/out/bench.pcap ] && [ -s bench/out/bench.keys ] || bench/make-capture.sh
	bench/live.sh

# Hostile captures (tests/hostile/gen.py: a million SYNs, a million
# out-of-order bytes, lying headers, ...), each timed: a table of wall time,
# packets/s, peak memory, the capture and tcp stages' own time
# (build/rel/tcp-only) and what tlsdump said.  Minutes, so not in `test`.
hostile: tlsdump build/rel/tcp-only
	tests/hostile/run.sh ./tlsdump

build/rel/tcp-only: build/rel/tests/hostile/tcp-only.o $(REL_LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# The C sources in .clang-format's layout: `make format` applies it,
# `make format-check` (run by `make test`) lists the files that differ.
CLANG_FORMAT ?= clang-format
FORMAT_SRCS = $(shell find src include tests -name '*.[ch]' -not -path '*/corpus/*' | sort)

format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_SRCS)

format-check:
	@bad=$$(for f in $(FORMAT_SRCS); do \
	  $(CLANG_FORMAT) $$f | cmp -s - $$f || echo "$$f"; done); \
	if [ -n "$$bad" ]; then \
	  echo "format-check: not in .clang-format's layout (make format fixes them):"; \
	  echo "$$bad" | sed 's/^/  /'; exit 1; \
	fi

# The stage graph the sources' #include lines draw, against the arrows the
# README's "How it is built" allows (tests/deps-check.py).
deps-check:
	$(Q)python3 tests/deps-check.py

install: tlsdump
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 tlsdump $(DESTDIR)$(PREFIX)/bin/tlsdump
	sed 's/^\(\.TH TLSDUMP 1 "[^"]*" "tlsdump\)"/\1 $(VERSION)"/' man/tlsdump.1 \
	  > $(DESTDIR)$(PREFIX)/share/man/man1/tlsdump.1
	chmod 644 $(DESTDIR)$(PREFIX)/share/man/man1/tlsdump.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tlsdump $(DESTDIR)$(PREFIX)/share/man/man1/tlsdump.1

clean:
	rm -rf build tlsdump tests/out

-include $(shell find build -name '*.d' 2>/dev/null)
