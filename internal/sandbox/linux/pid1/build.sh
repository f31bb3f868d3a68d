#!/bin/sh
# Rebuilds pid1_amd64.bin from pid1_amd64.S with GNU binutils (as, ld).
# The driver embeds the .bin file, so building nubo needs neither; run this
# after changing the assembly (TestPID1Reproducible checks the two agree).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
as --64 -o "$tmp/pid1.o" pid1_amd64.S
ld -m elf_x86_64 -static -nostdlib -s --build-id=none -z noexecstack -z noseparate-code \
	-o "${1:-pid1_amd64.bin}" "$tmp/pid1.o"
