# HookRelay: the README's commands. `make demo` and `make test` set up what they need.
SHELL := /bin/bash
PUBLISH_DIR := artifacts/publish/hookrelay
BIN := $(PUBLISH_DIR)/hookrelay
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

.PHONY: deps build publish test demo bench format clean

deps:
	./scripts/install-deps.sh

build:
	dotnet build -c Release -p:SourceRevisionId=$(COMMIT)

# Two executables side by side: hookrelay (everything) and hookrelay-hook (the lean hook, built
# from HookRelay.Core alone).
publish:
	dotnet publish src/HookRelay/HookRelay.csproj -c Release -r linux-x64 -o $(PUBLISH_DIR) -p:SourceRevisionId=$(COMMIT)
	dotnet publish src/HookRelay.Hook/HookRelay.Hook.csproj -c Release -r linux-x64 -o $(PUBLISH_DIR) -p:SourceRevisionId=$(COMMIT)

# The Debian package from the published binaries, checked by lintian (scripts/build-deb.sh).
deb: publish
	./scripts/build-deb.sh $(PUBLISH_DIR)

# The AOT binary is built first: the tests run it as Ganeti would.
test: deps publish
	dotnet format --verify-no-changes
	./scripts/test.sh $(BIN)

demo: deps publish
	./scripts/demo.sh $(BIN)

# Whole-process benchmarks, results on stdout and in bench/results (BENCHMARKS.md says how to read them).
bench: deps publish
	./bench/hook-startup.sh $(BIN)
	./bench/config-scaling.sh $(BIN)
	./bench/slow-receiver.sh $(BIN)
	python3 ./bench/latency.py $(BIN)
	./bench/daemon-throughput.sh $(BIN) 20000 32
	./bench/gates.sh $(BIN) 200
	./bench/timing-marker.sh $(BIN) 300
	./bench/ganeti-jobs.sh $(BIN) 7

format:
	dotnet format

clean:
	rm -rf artifacts
