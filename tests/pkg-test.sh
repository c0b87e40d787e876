#!/usr/bin/env bash
# Packaging: `make install` into two prefixes in turn, each getting a
# vmmsim.pc that names its own prefix; then the README's library examples
# (the code blocks under "## The library"), built through that pkg-config
# file as C and as C++ (g++, when present) and run. Prints "N passed, N failed".
# Usage: tests/pkg-test.sh [extra compiler flags, e.g. -fsanitize=...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
root="$here/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

for p in a b; do
    make -s -C "$root" install PREFIX="$tmp/$p" >"$tmp/install.log" 2>&1 ||
        { bad "make install PREFIX=$tmp/$p: $(tail -5 "$tmp/install.log")"; continue; }
    grep -qx "prefix=$tmp/$p" "$tmp/$p/lib/pkgconfig/vmmsim.pc" && ok ||
        bad "PREFIX=$tmp/$p installed a vmmsim.pc with $(grep '^prefix=' "$tmp/$p/lib/pkgconfig/vmmsim.pc")"
done

# The examples: #include lines at file scope, the rest as the body of main.
awk '/^## The library/ { lib = 1; next } /^## / { lib = 0 }
     lib && /^```c$/ { code = 1; next } code && /^```$/ { code = 0; next }
     code' "$root/README.md" >"$tmp/blocks"
{
    grep '^#include' "$tmp/blocks"
    echo '#include <stdio.h>'
    echo 'int main(void) {'
    grep -v '^#include' "$tmp/blocks"
    echo 'return 0; }'
} >"$tmp/example.c"
[ "$(grep -c vmm_create "$tmp/example.c")" -ge 1 ] && ok || bad "no library example found in README.md"
cp "$tmp/example.c" "$tmp/example.cpp"
export PKG_CONFIG_PATH="$tmp/b/lib/pkgconfig"
flags=$(pkg-config --cflags --libs vmmsim) || bad "pkg-config vmmsim"
extra=("$@")
build() {   # COMPILER SOURCE STD WARNINGS...
    local cc=$1 src=$2 std=$3 out="$tmp/ex-$1"
    shift 3
    if "$cc" -std="$std" "$@" -Werror -o "$out" "$src" $flags "${extra[@]}" 2>"$tmp/cc.err" &&
       LD_LIBRARY_PATH="$tmp/b/lib" "$out" >"$tmp/ex.out" 2>&1 && grep -q "faults" "$tmp/ex.out"; then
        ok
    else
        bad "README example with $cc -std=$std: $(head -c 600 "$tmp/cc.err") $(head -c 300 "$tmp/ex.out")"
    fi
}
build "${CC:-cc}" "$tmp/example.c" c11 -Wall -Wextra
if command -v g++ >/dev/null; then
    # (C++ warns of the members designated initializers leave out: that is their point)
    build g++ "$tmp/example.cpp" c++20 -Wall -Wextra -Wno-missing-field-initializers
else
    echo "pkg-test: no g++; skipping the C++ build of the README example"
fi

# Every public header on its own, as strict C99 and as C++11 (a typedef
# declared twice or a C11-only construct fails here).
for h in "$root"/include/vmmsim/*.h; do
    echo "#include \"vmmsim/$(basename "$h")\"" >"$tmp/h.c"
    if "${CC:-cc}" -std=c99 -pedantic -Werror -Wall -I"$root/include" -fsyntax-only "$tmp/h.c" \
        2>"$tmp/h.err"; then ok; else bad "$(basename "$h") as C99: $(head -c 300 "$tmp/h.err")"; fi
    if command -v g++ >/dev/null; then
        if g++ -std=c++11 -pedantic -Werror -I"$root/include" -fsyntax-only -x c++ "$tmp/h.c" \
            2>"$tmp/h.err"; then ok; else bad "$(basename "$h") as C++11: $(head -c 300 "$tmp/h.err")"; fi
    fi
done

echo "pkg: $pass passed, $fail failed"
[ "$fail" = 0 ]
