# sso-config build, test and release targets.
PREFIX ?= $(HOME)/.local
MUSL_TARGET := x86_64-unknown-linux-musl
# ring's C code needs a musl C compiler for the static build (Debian: musl-tools).
export CC_x86_64_unknown_linux_musl ?= musl-gcc
STATIC_BIN := target/$(MUSL_TARGET)/release/sso-config

.PHONY: all build test static demo install bench clean

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
	  [ $$size -le 5242880 ] || { echo "larger than 5 MiB" >&2; exit 1; }

demo:
	cargo build --release --workspace
	./scripts/demo.sh

bench: static
	SSO_CONFIG_BENCH_BIN=$(CURDIR)/$(STATIC_BIN) cargo bench --bench bench

install: build
	install -d $(PREFIX)/bin
	install -m 0755 target/release/sso-config $(PREFIX)/bin/sso-config

clean:
	cargo clean
