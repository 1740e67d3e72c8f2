# parcelgate — build, run and test.
#
# `make run` and `make test` are the two commands a new user needs; both set
# up everything they use (emulators from localstack/package-lock.json, the
# table and queues from template.yaml).

GO ?= go
STATICCHECK_VERSION ?= v0.6.1
# Every Lambda: folder under functions/ and its logical id in template.yaml.
FUNCTIONS := auth projects job-submit job-query processor dead-letter messages tracking tracker sweeper data webhooks webhook-sender outbox report-worker task-worker
LOGICAL_auth := AuthFunction
LOGICAL_projects := ProjectsFunction
LOGICAL_job-submit := JobSubmitFunction
LOGICAL_job-query := JobQueryFunction
LOGICAL_processor := ProcessorFunction
LOGICAL_dead-letter := DeadLetterFunction
LOGICAL_messages := MessagesFunction
LOGICAL_tracking := TrackingFunction
LOGICAL_tracker := TrackerFunction
LOGICAL_sweeper := SweeperFunction
LOGICAL_data := DataFunction
LOGICAL_webhooks := WebhooksFunction
LOGICAL_webhook-sender := WebhookSenderFunction
LOGICAL_outbox := OutboxFunction
LOGICAL_report-worker := ReportWorkerFunction
LOGICAL_task-worker := TaskWorkerFunction

GOBIN_DIR := $(CURDIR)/.parcelgate/bin
# The npm tools that check the API document (Redocly, openapi-typescript,
# tsc), installed from their package-lock.json when node_modules is missing
# or older than it; scripts skipped, as for the emulators.
OPENAPI_TOOLS := internal/openapi/tools
OPENAPI_TOOLS_INSTALL = @[ $(OPENAPI_TOOLS)/node_modules/.package-lock.json -nt $(OPENAPI_TOOLS)/package-lock.json ] || npm ci --ignore-scripts --no-audit --no-fund --prefix $(OPENAPI_TOOLS)
LAMBDA_BUILD = GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w -buildid=' -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(1)

.PHONY: run test browser test-unit lint build bench stack-up stack-down localstack-up localstack-down clean client demo

# STORE picks make run's backend: dynamodb (the emulators) or memory (in
# process: no emulator, no Java, no Node).
STORE ?= dynamodb

## run: the API on http://127.0.0.1:3000, on the local stack (emulators, table, queues), or in process with STORE=memory
run:
	@$(GO) build -o $(GOBIN_DIR)/parcelgate ./cmd/parcelgate
	@# Built, then run: `go run` would report Ctrl-C as a failure.
	@$(GOBIN_DIR)/parcelgate dev --store $(STORE)

## test: every test, integration included, against a freshly started local stack; the system tests also on memory
# The system tests run on both backends, as the contract suites do: first
# on the memory backend (internal/systemtest without the integration tag:
# the whole API in process, under a minute), then every test of every
# package, integration included, against the emulators. Only the system
# tests differ between the two builds (apitest picks the backend by the
# tag), so the memory run is that one package rather than all of
# test-unit again. The emulator run of internal/systemtest takes a few
# minutes on an idle 2-core machine and several times that on a loaded
# one; go test's default 10-minute package timeout would fail a loaded
# run that is merely slow.
test: browser
	$(GO) test -count=1 ./internal/systemtest/
	$(GO) run ./cmd/parcelgate stack -- $(GO) test -tags integration -count=1 -timeout 45m ./...

## browser: headless Chromium (Debian's package) for the tracking page's browser test
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then SUDO=; \
		elif command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
		else echo "make test renders the tracking page in headless Chromium, which is missing: install Debian's chromium package (sudo apt-get install -y chromium)" >&2; exit 1; fi; \
		echo "installing chromium (Debian package) for the tracking page's browser test"; \
		$$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	}

## test-unit: the tests that need no stack, the system tests on memory included
test-unit:
	$(GO) test -count=1 ./...

## lint: gofmt, go vet, staticcheck, cfn-lint, Redocly's linter on the API document
lint:
	@command -v cfn-lint >/dev/null || { echo "make lint needs cfn-lint (the CloudFormation/SAM linter): pip install cfn-lint"; exit 1; }
	@command -v npm >/dev/null || { echo "make lint needs Node.js 20+ with npm (Redocly's linter comes from internal/openapi/tools/package-lock.json)"; exit 1; }
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags integration ./...
	GOBIN=$(GOBIN_DIR) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN_DIR)/staticcheck ./...
	$(GOBIN_DIR)/staticcheck -tags integration ./...
	cfn-lint template.yaml
	$(OPENAPI_TOOLS_INSTALL)
	cd $(OPENAPI_TOOLS) && npx --no-install redocly lint

## bench: benchmarks against the local stack, then the cost table (measured, floor, ratio) and the dollars
# TestCostPerOperation fails when an operation asks AWS for other requests
# or units than internal/cost/measured.json; `parcelgate cost` prices what
# it measured in this run (.parcelgate/cost-measured.json). The estimated
# delivery's evaluation rewrites its tables in README.md and its chart.
bench:
	$(GO) run ./cmd/parcelgate stack -- $(GO) test -tags integration -run '^$$' -bench . -benchmem -timeout 60m ./...
	$(GO) run ./cmd/parcelgate stack -- $(GO) test -tags integration -count=1 -run '^TestCostPerOperation$$' ./internal/systemtest/
	$(GO) run ./cmd/parcelgate cost --measured .parcelgate/cost-measured.json
	$(GO) run ./cmd/parcelgate edd evaluate --chart docs/edd-accuracy.svg --readme README.md
	$(GO) run ./cmd/parcelgate stack -- $(GO) run ./cmd/parcelgate edd evaluate --store dynamo --parcels 2000 --window 6h --readme README.md

## build: one zip per function in dist/, built exactly as `sam build` builds them
build:
	@rm -rf build dist && mkdir -p dist
	@set -e; for fn in $(FUNCTIONS); do \
		logical=$$($(MAKE) -s logical-$$fn); \
		$(MAKE) -s build-$$logical ARTIFACTS_DIR=$(CURDIR)/build/$$logical; \
		(cd build/$$logical && zip -q -X ../../dist/$$fn.zip bootstrap); \
		echo "dist/$$fn.zip"; \
	done

logical-%:
	@echo $(LOGICAL_$*)

# `sam build` calls these (BuildMethod: makefile) with ARTIFACTS_DIR set.
build-AuthFunction:
	$(call LAMBDA_BUILD,auth)
build-ProjectsFunction:
	$(call LAMBDA_BUILD,projects)
build-JobSubmitFunction:
	$(call LAMBDA_BUILD,job-submit)
build-JobQueryFunction:
	$(call LAMBDA_BUILD,job-query)
build-ProcessorFunction:
	$(call LAMBDA_BUILD,processor)
build-DeadLetterFunction:
	$(call LAMBDA_BUILD,dead-letter)
build-MessagesFunction:
	$(call LAMBDA_BUILD,messages)
build-TrackingFunction:
	$(call LAMBDA_BUILD,tracking)
build-TrackerFunction:
	$(call LAMBDA_BUILD,tracker)
build-SweeperFunction:
	$(call LAMBDA_BUILD,sweeper)
build-DataFunction:
	$(call LAMBDA_BUILD,data)
build-WebhooksFunction:
	$(call LAMBDA_BUILD,webhooks)
build-WebhookSenderFunction:
	$(call LAMBDA_BUILD,webhook-sender)
build-OutboxFunction:
	$(call LAMBDA_BUILD,outbox)
build-ReportWorkerFunction:
	$(call LAMBDA_BUILD,report-worker)
build-TaskWorkerFunction:
	$(call LAMBDA_BUILD,task-worker)

## stack-up / stack-down: the emulators alone, in the background
stack-up:
	$(GO) run ./cmd/parcelgate stack-up
stack-down:
	$(GO) run ./cmd/parcelgate stack-down

## localstack-up: LocalStack in Docker instead of the emulators
localstack-up:
	docker compose -f localstack/docker-compose.yml up -d --wait
	@echo 'export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test'
localstack-down:
	docker compose -f localstack/docker-compose.yml down

## client: create a client credential in the running local stack (ID=..., CLIENT=... and SECRET=... optional)
client:
	$(GO) run ./cmd/parcelgate client create --local --id "$(ID)" $(if $(CLIENT),--client $(CLIENT)) $(if $(SECRET),--secret $(SECRET))

## demo: a few thousand realistic parcels of several carriers in the running API (PARCELS=... optional)
demo:
	$(GO) run ./cmd/parcelgate demo $(if $(PARCELS),--parcels $(PARCELS))

clean:
	rm -rf build dist .aws-sam
