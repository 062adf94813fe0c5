# xlat64 — see README.md. `make` builds build/xlat64; `make check` runs every test.
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
XCFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -Isrc
LDLIBS := -lmnl -lnftables -lldns -lresolv -lpthread
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRC := $(wildcard src/*.c)
CORE_SRC := $(filter-out src/main.c,$(SRC))
OBJ := $(SRC:src/%.c=build/obj/%.o)
TOBJ := $(CORE_SRC:src/%.c=build/tobj/%.o)
UNIT := $(patsubst tests/unit/%.c,build/test/%,$(wildcard tests/unit/test_*.c))

.PHONY: all check vectors unit e2e demo deps install uninstall clean fuzz bench-core
all: build/xlat64

build/obj/%.o: src/%.c $(wildcard src/*.h) | build/obj
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<
build/tobj/%.o: src/%.c $(wildcard src/*.h) | build/tobj
	$(CC) $(XCFLAGS) -O1 -g $(SAN) -c -o $@ $<
build/obj build/tobj build/test:
	mkdir -p $@

build/xlat64: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
# The sanitizer build of the daemon, used by the end-to-end tests.
build/xlat64-san: $(TOBJ) build/tobj/main.o
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)
build/tobj/main.o: src/main.c $(wildcard src/*.h) | build/tobj
	$(CC) $(XCFLAGS) -O1 -g $(SAN) -c -o $@ $<

build/test/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(TOBJ) | build/test
	$(CC) $(XCFLAGS) -Itests/unit -O1 -g $(SAN) -o $@ $< $(TOBJ) $(LDLIBS)
build/test/vectors: tests/vectors/vectors.c $(TOBJ) | build/test
	$(CC) $(XCFLAGS) -O1 -g $(SAN) -o $@ $< $(TOBJ) $(LDLIBS)

unit: $(UNIT)
check: deps-check build/xlat64 build/xlat64-san $(UNIT) build/test/vectors
	@bash tests/run.sh
vectors: build/test/vectors
	@bash tests/run.sh vectors
e2e: build/xlat64 build/xlat64-san
	@bash tests/run.sh e2e
demo: deps-demo build/xlat64
	@bash scripts/demo.sh

# Each entry point installs the Debian packages it lacks (scripts/deps.sh is the single list).
deps-check:
	@bash scripts/deps.sh check
deps-demo:
	@bash scripts/deps.sh demo
deps:
	@bash scripts/deps.sh all

install: build/xlat64
	install -D -m 0755 build/xlat64 $(DESTDIR)$(SBINDIR)/xlat64
	install -D -m 0644 src/xlat64.8 $(DESTDIR)$(MANDIR)/man8/xlat64.8
	install -D -m 0644 src/xlat64.conf.5 $(DESTDIR)$(MANDIR)/man5/xlat64.conf.5
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/xlat64 $(DESTDIR)$(MANDIR)/man8/xlat64.8 $(DESTDIR)$(MANDIR)/man5/xlat64.conf.5

# Pure-core NAT64 microbenchmark: new sessions per second on one core, bytes per session.
BENCH_CORE_SRC := $(filter-out src/nat64_view.c,$(filter src/nat64%.c src/xlat%.c src/csum.c src/rfc6052.c src/eamt.c src/stats.c src/icmp_gen.c,$(SRC)))
build/bench/nat64-core-bench: bench/nat64-core-bench.c $(BENCH_CORE_SRC) $(wildcard src/*.h)
	@mkdir -p build/bench
	$(CC) $(XCFLAGS) -O2 -g -o $@ $< $(BENCH_CORE_SRC)
bench-core: build/bench/nat64-core-bench
	@build/bench/nat64-core-bench

# libFuzzer harnesses, one per parser (needs clang): make fuzz FUZZ_SECONDS=60
FUZZ_SECONDS ?= 30
FUZZERS := $(patsubst fuzz/%.c,build/fuzz/%,$(wildcard fuzz/fuzz_*.c))
build/fuzz/%: fuzz/%.c $(CORE_SRC) $(wildcard src/*.h) tests/unit/testpkt.h fuzz/fuzz_common.h
	@mkdir -p build/fuzz
	clang -std=gnu11 -D_GNU_SOURCE -Isrc -Itests/unit -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $< $(CORE_SRC) $(LDLIBS)
fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do n=$$(basename $$f); c=fuzz/corpus/$${n#fuzz_}; mkdir -p build/fuzz/corpus-$$n; \
		echo "== $$n ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus-$$n $$( [ -d $$c ] && echo $$c ) \
			>build/fuzz/$$n.log 2>&1 || { tail -n 40 build/fuzz/$$n.log; exit 1; }; \
		tail -n 1 build/fuzz/$$n.log; done

clean:
	rm -rf build
