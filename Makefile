# Two entry points: `make run` (set up, build, open the app) and `make test`
# (the same set-up, then every check). Both install what is missing, so they
# work on a fresh Debian or Ubuntu machine.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)

CARGO ?= cargo
APT_PACKAGES := libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev librsvg2-dev \
	libayatana-appindicator3-dev libxdo-dev libssl-dev build-essential pkg-config file \
	xvfb xauth webkit2gtk-driver sqlite3 dbus libdbus-1-dev gnome-keyring
APP := target/debug/leadbench-app

.PHONY: run test setup system-packages ui-packages tauri-driver ui app \
	check-format lint test-rust test-ui test-e2e

run: setup app
	./$(APP)

test: setup check-format lint test-rust test-ui test-e2e

setup: system-packages ui-packages tauri-driver

# Installs the system libraries Tauri needs on Linux, with sudo unless root.
system-packages:
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  echo "Installing system packages:$$missing"; \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

ui-packages: ui/node_modules/.package-lock.json

ui/node_modules/.package-lock.json: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

tauri-driver:
	@command -v tauri-driver >/dev/null || $(CARGO) install tauri-driver --locked

ui: ui-packages
	cd ui && npm run build

# The custom-protocol feature serves ui/dist from inside the binary instead
# of pointing the window at the Vite dev server.
app: ui
	$(CARGO) build -p leadbench-app --features custom-protocol

check-format:
	$(CARGO) fmt --all -- --check

lint: ui
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Also regenerates the TypeScript bindings; a difference from the committed
# ones means a Rust type changed without its bindings.
test-rust: ui
	$(CARGO) test --workspace --exclude leadbench-e2e
	@if [ -d .git ] && [ -n "$$(git status --porcelain -- ui/src/lib/bindings)" ]; then \
	  echo "ui/src/lib/bindings is out of date: run cargo test and commit the result"; \
	  git status --short -- ui/src/lib/bindings; exit 1; \
	fi

test-ui: ui-packages
	cd ui && npm run check && npm test

test-e2e: app tauri-driver
	xvfb-run -a --server-args="-screen 0 1600x1000x24" \
	  $(CARGO) test -p leadbench-e2e -- --test-threads=1
	@echo "Screenshots: target/e2e-screenshots/"
