# sso-config build, test and release targets.
PREFIX ?= $(HOME)/.local
# Staging root for packagers: make install DESTDIR=/tmp/pkg PREFIX=/usr
DESTDIR ?=
BIN ?= target/release/sso-config
VERSION := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' Cargo.toml | head -n 1)
MUSL_TARGET := x86_64-unknown-linux-musl
# ring's C code needs a musl C compiler for the static build (Debian: musl-tools).
export CC_x86_64_unknown_linux_musl ?= musl-gcc
STATIC_BIN := target/$(MUSL_TARGET)/release/sso-config
# arm64: Debian's cross gcc compiles ring's C code and links; Rust's musl target
# brings its own libc and start files, so no arm64 C library is needed.
ARM_TARGET := aarch64-unknown-linux-musl
export CC_aarch64_unknown_linux_musl ?= aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER ?= aarch64-linux-gnu-gcc
ARM_BIN := target/$(ARM_TARGET)/release/sso-config
# Each release binary stays at most 3 MiB.
MAX_SIZE := 3145728

.PHONY: all build test static static-aarch64 dist dist-check demo install man completions bench clean

all: build

build:
	cargo build --release

test:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo test --workspace

static:
	@rustup target list --installed | grep -qx $(MUSL_TARGET) || rustup target add $(MUSL_TARGET)
	@command -v musl-gcc >/dev/null || { echo "make static needs musl-gcc: apt-get install musl-tools" >&2; exit 1; }
	cargo build --release --target $(MUSL_TARGET)
	@file $(STATIC_BIN) | grep -q 'statically linked\|static-pie linked' || { echo "$(STATIC_BIN) is not statically linked" >&2; exit 1; }
	@size=$$(stat -c %s $(STATIC_BIN)); \
	  echo "$(STATIC_BIN): $$size bytes ($$((size / 1024)) KiB), statically linked"; \
	  [ $$size -le $(MAX_SIZE) ] || { echo "larger than 3 MiB" >&2; exit 1; }

static-aarch64:
	@rustup target list --installed | grep -qx $(ARM_TARGET) || rustup target add $(ARM_TARGET)
	@command -v aarch64-linux-gnu-gcc >/dev/null || { echo "make static-aarch64 needs aarch64-linux-gnu-gcc: apt-get install gcc-aarch64-linux-gnu" >&2; exit 1; }
	cargo build --release --target $(ARM_TARGET)
	@file $(ARM_BIN) | grep -q 'ARM aarch64.*statically linked' || { echo "$(ARM_BIN) is not a static arm64 binary" >&2; exit 1; }
	@size=$$(stat -c %s $(ARM_BIN)); \
	  echo "$(ARM_BIN): $$size bytes ($$((size / 1024)) KiB), statically linked"; \
	  [ $$size -le $(MAX_SIZE) ] || { echo "larger than 3 MiB" >&2; exit 1; }

# The release: tarballs and .debs for x86_64 and aarch64, and SHA256SUMS, in dist/.
dist: static static-aarch64
	scripts/dist.sh $(VERSION)

# The release tested as shipped (CI): qemu-user, dpkg, install.sh on loopback.
dist-check: dist
	scripts/dist-check.sh $(VERSION)

demo:
	cargo build --release --workspace
	./scripts/demo.sh

bench: static
	SSO_CONFIG_BENCH_BIN=$(CURDIR)/$(STATIC_BIN) cargo bench --bench bench

# The man page, rendered from the same help texts as 'sso-config help'.
man: build
	$(BIN) __man > target/sso-config.1

# The completion scripts, in the file names each shell looks for.
completions: build
	mkdir -p target/completions
	$(BIN) completion bash > target/completions/sso-config
	$(BIN) completion zsh > target/completions/_sso-config
	$(BIN) completion fish > target/completions/sso-config.fish

install: build man completions
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/sso-config
	install -m 0644 target/sso-config.1 $(DESTDIR)$(PREFIX)/share/man/man1/sso-config.1
	install -m 0644 target/completions/sso-config $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sso-config
	install -m 0644 target/completions/_sso-config $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_sso-config
	install -m 0644 target/completions/sso-config.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/sso-config.fish

clean:
	cargo clean
	rm -rf dist
