# The two commands of the quick start, plus conveniences.
.PHONY: demo test fuzz sanitize build dev clean

demo:
	@scripts/demo.sh

test:
	@scripts/test.sh

# make test's sanitizer stages alone: every test under ASan+UBSan
# (build/dev), the concurrency tests under TSan (build/tsan).
sanitize:
	@scripts/test.sh --only asan,tsan

# libFuzzer targets (clang, ASan+UBSan, build/fuzz), FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

build:
	cmake --preset release && cmake --build --preset release

dev:
	cmake --preset dev && cmake --build --preset dev

clean:
	rm -rf build
