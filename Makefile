# sipscope - SIP packet analyzer and dialog tracer.
# Targets: all run test check check-threads db-crash bench fuzz install uninstall clean deps
#          deps-check fresh-test deb deb-test
# Variables: CC, PREFIX (/usr/local), DESTDIR, BUILD (build), SANITIZE (1 = ASan+UBSan),
#            BASH_COMPDIR, ZSH_COMPDIR (where install puts the shell completion)

VERSION   := 0.1.0
CC        ?= cc
PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
BASH_COMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPDIR  ?= $(PREFIX)/share/zsh/site-functions
PKGS      := libpcap ncursesw sqlite3 libcrypto libsrtp2 libmicrohttpd
PKG_CONFIG ?= pkg-config
# Builds and fuzzers use every core (the test suites run one at a time).
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)

CFLAGS    ?= -O2 -g
WARN      := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
LDFLAGS   += -pthread
CPPFLAGS  += -pthread -Iinclude -D_DEFAULT_SOURCE -DSIPSCOPE_VERSION='"$(VERSION)"' $(EXTRA_DEFS)
DEP_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(CODEC_CFLAGS)
DEP_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -lpcap -lncursesw -lsqlite3 -lcrypto -lsrtp2 -lmicrohttpd) $(CODEC_LIBS) -lm
TEST_LIBS  = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

# Decoders that need a library (src/media/codec_<name>.c): each is built
# when its library is found, through pkg-config or else its header (bcg729
# and gsm often ship no .pc file); SIPSCOPE_HAVE_<LIB> then lists it in
# codec.c.  CODECS= builds none (G.711 and L16 are always in); `sipscope
# --version` names the decoders built in.
CODECS    ?= spandsp bcg729 opus gsm
codec_pc.spandsp := spandsp
codec_pc.bcg729  := libbcg729
codec_pc.opus    := opus
codec_pc.gsm     := gsm
codec_h.spandsp  := spandsp/g722.h
codec_h.bcg729   := bcg729/decoder.h
codec_h.opus     := opus/opus.h
codec_h.gsm      := gsm.h
codec_l.spandsp  := -lspandsp
codec_l.bcg729   := -lbcg729
codec_l.opus     := -lopus
codec_l.gsm      := -lgsm
codec_c.spandsp  := src/media/codec_g722.c
codec_c.bcg729   := src/media/codec_g729.c
codec_c.opus     := src/media/codec_opus.c
codec_c.gsm      := src/media/codec_gsm.c
codec_d.spandsp  := SPANDSP
codec_d.bcg729   := BCG729
codec_d.opus     := OPUS
codec_d.gsm      := GSM
CODEC_HAVE :=
CODEC_CFLAGS :=
CODEC_LIBS :=
define codec_detect
ifneq ($$(shell $$(PKG_CONFIG) --exists $$(codec_pc.$1) 2>/dev/null && echo y),)
CODEC_HAVE += $1
CODEC_CFLAGS += $$(shell $$(PKG_CONFIG) --cflags $$(codec_pc.$1))
CODEC_LIBS += $$(shell $$(PKG_CONFIG) --libs $$(codec_pc.$1))
else ifneq ($$(shell $$(CC) -E -include $$(codec_h.$1) -x c /dev/null >/dev/null 2>&1 && echo y),)
CODEC_HAVE += $1
CODEC_CFLAGS += $$(if $$(filter opus,$1),-I/usr/include/opus)
CODEC_LIBS += $$(codec_l.$1)
endif
endef
$(foreach c,$(filter spandsp bcg729 opus gsm,$(CODECS)),$(eval $(call codec_detect,$(c))))
CODEC_DEFS := $(foreach c,$(CODEC_HAVE),-DSIPSCOPE_HAVE_$(codec_d.$(c)))
CPPFLAGS  += $(CODEC_DEFS)

ifeq ($(SANITIZE),1)
CFLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=address,undefined
endif
ifeq ($(SANITIZE),thread)
CFLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
LDFLAGS   += -fsanitize=thread
endif

# Every folder of src/ but the front ends (ui, cli) goes into the library.
# A library decoder's file only when its library was found.
LIB_SRC   := $(filter-out src/ui/% src/cli/% src/media/codec_%.c,$(wildcard src/*/*.c)) \
             $(foreach c,$(CODEC_HAVE),$(codec_c.$(c)))
CLI_SRC   := $(wildcard src/cli/*.c src/ui/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libsipscope.a
BIN       := $(BUILD)/sipscope
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SAMPLE    := samples/proxy_rr_udp.pcap

.PHONY: all run test test-programs check check-threads unit integration ui-test db-crash bench fuzz install uninstall clean deps deps-build layers deps-check fresh-test deb deb-test deb-fresh-test

all: sipscope

sipscope: $(BIN)
	@cp $(BIN) $@.tmp && mv -f $@.tmp $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(DEP_CFLAGS) -MMD -MP -c $< -o $@

# codec.c's table follows what was found: rebuilt when that changes.
$(BUILD)/codecs.stamp: FORCE
	@mkdir -p $(BUILD); echo '$(CODEC_DEFS)' | cmp -s - $@ || echo '$(CODEC_DEFS)' >$@
$(BUILD)/src/media/codec.o build/fuzz/obj/src/media/codec.o: $(BUILD)/codecs.stamp
.PHONY: FORCE
FORCE:

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	@$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(DEP_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(DEP_CFLAGS) -Itests/unit -MMD -MP $(LDFLAGS) -o $@ $< $(filter %.o,$^) $(LIB) $(DEP_LIBS) $(TEST_LIBS)

# The viewer's pure helpers (no terminal) are unit-tested too: their
# tests link the helper's object beside the library.
$(BUILD)/tests/test_ui_line: $(BUILD)/src/ui/ui_line.o
# ... and the config files go through the command line's option table.
$(BUILD)/tests/test_config: $(BUILD)/src/cli/config.o $(BUILD)/src/cli/opts.o

# test_tls_conn drives OpenSSL's libssl for real TLS sessions.
$(BUILD)/tests/test_tls_conn: TEST_LIBS += $(shell $(PKG_CONFIG) --libs libssl 2>/dev/null || echo -lssl)
# ... and counts the decoder's tls_cipher_open() calls (what a record costs).
$(BUILD)/tests/test_tls_conn: TEST_LIBS += -Wl,--wrap=tls_cipher_open

# The SRTP peer of the integration tests (libsrtp2 from known keys).
$(BUILD)/tests/gen_srtp: tests/integration/gen_srtp.c
	@mkdir -p $(dir $@)
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(DEP_LIBS)

# The G.729 peer of the audio tests (bcg729's encoder: Debian has no
# other); built only with bcg729.
$(BUILD)/tests/gen_g729: tests/integration/gen_g729.c
	@mkdir -p $(dir $@)
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(DEP_LIBS)
GEN_G729  := $(if $(filter bcg729,$(CODEC_HAVE)),$(BUILD)/tests/gen_g729)

deps:
	@sh scripts/install-deps.sh test

deps-build:
	@sh scripts/install-deps.sh build

# The viewer on a bundled sample: the kamailio proxy's calls.
run: deps-build all
	./sipscope -r $(SAMPLE)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; ./$$t; done

integration: $(BIN) $(BUILD)/tests/gen_srtp $(GEN_G729)
	@SIPSCOPE=$(BIN) GEN_SRTP=$(BUILD)/tests/gen_srtp GEN_G729=$(GEN_G729) sh tests/integration/run.sh

# The sqlite3 writer killed with SIGKILL at random moments (db_crash.sh).
db-crash: $(BUILD)/bench/db_bench
	@DB_BENCH=$(BUILD)/bench/db_bench sh tests/integration/db_crash.sh

# Every command the tests call comes from a package scripts/install-deps.sh
# installs (or the minimal Debian system): what a fresh machine lacks fails here.
deps-check:
	@python3 tests/deps_check.py; rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]

# make test in a fresh minbase Debian root with only git and make (root;
# the committed HEAD is cloned into it).  Log: build/fresh-root.log.
fresh-test:
	@sh tests/fresh_root.sh test

# The viewer driven in tmux (send-keys / capture-pane).
ui-test: $(BIN)
	@SIPSCOPE=$(BIN) sh tests/ui/run.sh

# Everything, from a fresh clone: installs, builds, runs every test, then
# the same tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all test-programs
	@$(MAKE) --no-print-directory layers deps-check unit integration ui-test db-crash
	@$(MAKE) --no-print-directory check

# What the suites run, built first on every core.
test-programs: $(BIN) $(UNIT_BIN) $(BUILD)/tests/gen_srtp $(BUILD)/bench/db_bench

check:
	@$(MAKE) --no-print-directory BUILD=build/san SANITIZE=1 -j$(JOBS) test-programs
	@$(MAKE) --no-print-directory BUILD=build/san SANITIZE=1 unit integration ui-test

# The parse and track threads under ThreadSanitizer (CI runs it too); the
# integration suite without its heaviest oracles (INTEGRATION_LIGHT).
check-threads:
	@$(MAKE) --no-print-directory BUILD=build/tsan SANITIZE=thread -j$(JOBS) test-programs
	@INTEGRATION_LIGHT=1 $(MAKE) --no-print-directory BUILD=build/tsan SANITIZE=thread unit integration

bench: all $(BUILD)/bench/track_cost $(BUILD)/bench/parser_bench $(BUILD)/bench/db_bench $(BUILD)/bench/hep_gen \
       $(BUILD)/bench/tls_wrap
	@echo "=== the SIP parser alone (best of 5, one core) ==="; $(BUILD)/bench/parser_bench 5 0.3; echo
	@sh tests/bench/bench.sh ./sipscope
	@echo; echo "=== what tracking costs (best of 3) ==="; \
	  $(BUILD)/bench/track_cost $${BENCH_DIR:-/tmp/sipscope-bench}/sip-$${BENCH_CALLS:-100000}calls-seed$${BENCH_SEED:-1}.pcap 3
	@echo; echo "=== the viewer ==="; \
	  sh tests/bench/ui_load.sh ./sipscope $${BENCH_DIR:-/tmp/sipscope-bench}/sip-$${BENCH_CALLS:-100000}calls-seed$${BENCH_SEED:-1}.pcap
	@echo; echo "=== writing to sqlite (best of 3) ==="; \
	  $(BUILD)/bench/db_bench $${BENCH_DIR:-/tmp/sipscope-bench}/sip-$${BENCH_CALLS:-100000}calls-seed$${BENCH_SEED:-1}.pcap \
	    $${BENCH_DIR:-/tmp/sipscope-bench}/bench.db; rm -f $${BENCH_DIR:-/tmp/sipscope-bench}/bench.db*
	@echo; echo "=== media (RTP) ==="; sh tests/bench/rtp_bench.sh ./sipscope
	@echo; echo "=== audio export (WAV) ==="; sh tests/bench/audio_bench.sh ./sipscope
	@echo; sh tests/bench/hep_bench.sh ./sipscope $(BUILD)/bench/hep_gen
	@$(MAKE) --no-print-directory BUILD=build/udp-only EXTRA_DEFS=-DSIPSCOPE_UDP_ONLY build/udp-only/sipscope
	@echo; echo "=== transport reassembly ==="; \
	  BENCH_BASELINE=build/udp-only/sipscope sh tests/bench/transport_bench.sh $(BIN)
	@echo; echo "=== SIP over TLS: decrypt + parse against plain TCP ==="; \
	  TLS_WRAP=$(BUILD)/bench/tls_wrap sh tests/bench/tls_bench.sh $(BIN)

$(BUILD)/bench/parser_bench: tests/bench/parser_bench.c $(LIB)
	@mkdir -p $(dir $@)
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

$(BUILD)/bench/db_bench: tests/bench/db_bench.c $(LIB)
	@mkdir -p $(dir $@)
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

$(BUILD)/bench/hep_gen: tests/bench/hep_gen.c $(LIB)
	@mkdir -p $(dir $@)
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

# gen_capture's TCP capture as TLS 1.3 with its key log (libcrypto only).
$(BUILD)/bench/tls_wrap: tests/bench/tls_wrap.c
	@mkdir -p $(dir $@)
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(DEP_LIBS)

$(BUILD)/bench/track_cost: tests/bench/track_cost.c $(LIB)
	@mkdir -p $(dir $@)
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

# libFuzzer targets (clang).
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
fuzz: $(FUZZ_BIN) $(BUILD)/tests/test_tls_conn
	@python3 tests/fuzz/make_seeds.py samples tests/fuzz/corpus
	@mkdir -p tests/fuzz/corpus/fuzz_tls_record; \
	  TLS_CONN_FUZZ_SEEDS=tests/fuzz/corpus/fuzz_tls_record $(BUILD)/tests/test_tls_conn >/dev/null
	@printf '%s\n' $(FUZZ_BIN) | xargs -P $(JOBS) -n 1 sh tests/fuzz/run_one.sh
# The library is compiled once for all the targets (instrumented, not
# linked with libFuzzer's main), each target then only links: one compile
# per target of every source cost 38 s a target.
# A UBSan report stops the target (as an ASan one does): recovering from
# it let make fuzz pass over undefined behaviour.
FUZZ_FLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@clang $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(CPPFLAGS) $(DEP_CFLAGS) -MMD -MP -c -o $@ $<
build/fuzz/libfuzz.a: $(FUZZ_OBJ)
	@rm -f $@ && ar rcs $@ $^
build/fuzz/%: tests/fuzz/%.c build/fuzz/libfuzz.a
	@mkdir -p $(dir $@) tests/fuzz/corpus/$*
	@clang $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer $(CPPFLAGS) $(DEP_CFLAGS) -o $@ $< build/fuzz/libfuzz.a $(DEP_LIBS)
-include $(FUZZ_OBJ:.o=.d)

# The tiers of ARCHITECTURE.md from the #include lines (tests/layers.py holds
# the one table: util 1; capture, decode, sip 2; store, track 3; media,
# check 4; ingest 5; db, export, monitor 6; ui, cli 7), no private header
# of another folder; below the front ends no UI or CLI code, and up to
# ingest no pcap, curses or sqlite header (the sqlite sink and source is
# src/db/, the frame sources src/capture/).
LAYERS_PURE := src/util src/sip src/store src/track src/media src/check src/ingest
layers:
	@python3 tests/layers.py
	@! grep -nE '#include [<"](curses|ncurses|sqlite3|pcap)' $(wildcard $(LAYERS_PURE:%=%/*.[ch])) \
	     include/sipscope/sv.h include/sipscope/hmap.h include/sipscope/vec.h include/sipscope/endpoint.h \
	     include/sipscope/sip.h include/sipscope/sip_hdr.h include/sipscope/sdp.h include/sipscope/store.h \
	     include/sipscope/track.h include/sipscope/media.h include/sipscope/check.h \
	  || { echo "layer violation: pcap, curses or sqlite below the capture and db layers"; exit 1; }
	@! grep -nE '#include .*(ui|cli)[_/]' $(LIB_SRC) || { echo "layer violation"; exit 1; }

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(BASH_COMPDIR) $(DESTDIR)$(ZSH_COMPDIR)
	install -m 755 sipscope $(DESTDIR)$(PREFIX)/bin/sipscope
	install -m 644 man/sipscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/sipscope.1
	install -m 644 completion/sipscope.bash $(DESTDIR)$(BASH_COMPDIR)/sipscope
	install -m 644 completion/_sipscope $(DESTDIR)$(ZSH_COMPDIR)/_sipscope

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sipscope $(DESTDIR)$(PREFIX)/share/man/man1/sipscope.1 \
	  $(DESTDIR)$(BASH_COMPDIR)/sipscope $(DESTDIR)$(ZSH_COMPDIR)/_sipscope

# A Debian package of the working tree (debian/: debhelper), built in a copy
# of it under build/pkg (dpkg-buildpackage cleans the tree it builds in),
# then moved to build/: apt-get install ./build/sipscope_*.deb.  Log:
# build/pkg/build.log.
PKG_DIR := build/pkg
deb:
	@sh scripts/install-deps.sh deb
	@rm -rf $(PKG_DIR) build/sipscope_*.deb && mkdir -p $(PKG_DIR)/sipscope-$(VERSION)
	@tar -cf - --anchored --exclude=./build --exclude=./.git --exclude=./sipscope \
	  --exclude=./tests/fuzz/corpus . | tar -C $(PKG_DIR)/sipscope-$(VERSION) -xf -
	@cd $(PKG_DIR)/sipscope-$(VERSION) && dpkg-buildpackage -b -us -uc -jauto >../build.log 2>&1 \
	  || { tail -30 ../build.log; echo "make deb: dpkg-buildpackage failed (log: $(PKG_DIR)/build.log)"; exit 1; }
	@mv $(PKG_DIR)/sipscope_$(VERSION)_*.deb build/
	@ls build/sipscope_$(VERSION)_*.deb

# The package built, then lintian and its contents checked (CI runs it:
# the build takes about a minute, too long for the integration suite).
deb-test: deb
	@sh tests/deb_check.sh build/sipscope_$(VERSION)_*.deb

# The package installed with apt-get in a fresh minbase Debian root (root;
# tests/fresh_root.sh's cached root).  Log: build/deb-fresh-root.log.
deb-fresh-test: deb
	@sh tests/deb_fresh_root.sh build/sipscope_$(VERSION)_*.deb

clean:
	rm -rf build sipscope

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d)
