# The two commands of the quick start, plus conveniences.
.PHONY: demo test build dev clean

demo:
	@scripts/demo.sh

test:
	@scripts/test.sh

build:
	cmake --preset release && cmake --build --preset release

dev:
	cmake --preset dev && cmake --build --preset dev

clean:
	rm -rf build
