# tlsdump: `make demo` to see it work, `make test` to check it.
#
# Every target that builds first runs `deps`, which installs the Debian
# packages the build and the tests need when one is missing.

VERSION    := 0.1
PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= gcc
CFLAGS     ?= -O2 -g
WARNINGS   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
CPPFLAGS   += -std=c11 -D_GNU_SOURCE -Iinclude -DTLSDUMP_VERSION='"$(VERSION)"'
LDLIBS     := -lpcap -lssl -lcrypto -lz -lncurses
SANITIZE   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# What a fresh Debian machine needs: to build, and to run the tests
# (openssl and iproute2 for the live capture test, python3 to check
# output, valgrind for the leak check).
BUILD_PKGS := gcc make libc6-dev libssl-dev libpcap-dev zlib1g-dev libncurses-dev libcunit1-dev
TEST_PKGS  := openssl iproute2 python3 valgrind
DEMO_PCAP  := pcaps/tls13-openssl.pcap

SRCS := $(wildcard src/*.c src/*/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
FUZZ_TARGETS := record message packet client_hello server_hello certificate extensions
REL_LIB  = $(patsubst %.c,build/rel/%.o,$(LIB_SRCS))
ASAN_LIB = $(patsubst %.c,build/asan/%.o,$(LIB_SRCS))


.PHONY: all deps demo test fuzz bench install uninstall clean
.DEFAULT_GOAL := all

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
build/rel/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) -MMD -MP -c -o $@ $<

build/asan/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC/asan $<"
	@$(CC) $(CPPFLAGS) -O1 -g $(SANITIZE) $(WARNINGS) -MMD -MP -c -o $@ $<

tlsdump: $(patsubst %.c,build/rel/%.o,$(SRCS))
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/tlsdump: $(patsubst %.c,build/asan/%.o,$(SRCS))
	$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS)

build/rel/unit_tests: $(patsubst %.c,build/rel/%.o,$(UNIT_SRCS)) $(REL_LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcunit

build/asan/unit_tests: $(patsubst %.c,build/asan/%.o,$(UNIT_SRCS)) $(ASAN_LIB)
	$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS) -lcunit

# Fuzz targets, replayed over their corpora by `make test` (gcc), or built
# for libFuzzer with `make fuzz` (clang).
build/rel/fuzz_%: build/rel/tests/fuzz/fuzz_%.o build/rel/tests/fuzz/replay.o $(REL_LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/fuzz_%: build/asan/tests/fuzz/fuzz_%.o build/asan/tests/fuzz/replay.o $(ASAN_LIB)
	$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS)

fuzz:
	@mkdir -p build/fuzz
	for t in $(FUZZ_TARGETS); do \
	  clang -std=c11 -D_GNU_SOURCE -Iinclude -g -O1 -fsanitize=fuzzer,address,undefined \
	    -o build/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c $(LIB_SRCS) $(LDLIBS) || exit 1; \
	done
	@echo "run e.g.: build/fuzz/fuzz_record -max_total_time=60 tests/fuzz/corpus/record"

demo: tlsdump
	./tlsdump -r $(DEMO_PCAP) -l $(DEMO_PCAP:.pcap=.keys) -d

# The whole suite, once with the release build and once under
# AddressSanitizer and UndefinedBehaviorSanitizer.
test: tlsdump build/rel/unit_tests build/asan/tlsdump build/asan/unit_tests \
      $(foreach t,$(FUZZ_TARGETS),build/rel/fuzz_$(t) build/asan/fuzz_$(t))
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

# tlsdump against tshark and ssldump on a 280 MB capture (bench/README.md);
# making the capture needs root.
bench: tlsdump
	@[ -s bench/out/bench.pcap ] && [ -s bench/out/bench.keys ] || bench/make-capture.sh
	bench/run.sh

install: tlsdump
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 tlsdump $(DESTDIR)$(PREFIX)/bin/tlsdump
	install -m 644 man/tlsdump.1 $(DESTDIR)$(PREFIX)/share/man/man1/tlsdump.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tlsdump $(DESTDIR)$(PREFIX)/share/man/man1/tlsdump.1

clean:
	rm -rf build tlsdump tests/out

-include $(shell find build -name '*.d' 2>/dev/null)
