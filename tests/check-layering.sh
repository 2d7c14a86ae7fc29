#!/bin/sh
# Layering rules of STYLE 3.1: no file includes a header from a layer above
# its own, and each external library is used only in its home file.
# Prints TAP.
top=${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
n=0
fail=0
check() { # description, offending lines
	n=$((n + 1))
	if [ -n "$2" ]; then
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/# /'
		fail=1
	else
		echo "ok $n - $1"
	fi
}
inc() { # files glob..., prints project includes
	grep -Hn '^#include "' "$@" 2>/dev/null
}
base=$(ls runtime/base/*.[ch])
spec=$(ls spec/*.[ch])
hooks=$(ls hooks/*.[ch])
rt=$(ls runtime/*.[ch])
cli=$(ls runtime/cli/*.[ch])
check "runtime/base includes only runtime/base" "$(inc $base | grep -v '"runtime/base/')"
check "spec includes only spec and runtime/base" "$(inc $spec | grep -vE '"(spec|runtime/base)/')"
check "hooks includes only hooks, spec and runtime/base" \
	"$(inc $hooks | grep -vE '"(hooks|spec|runtime/base)/')"
check "runtime includes no cli header" "$(inc $rt | grep -E '"runtime/cli/')"
check "cli includes only runtime/container.h, cli and runtime/base" \
	"$(inc $cli | grep -vE '"(runtime/container\.h|runtime/cli/|runtime/base/)')"
lib() { # header regex, allowed files regex
	git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^tests/' | xargs grep -lE "^#include <$1" 2>/dev/null |
		grep -vE "$2"
}
check "yajl only in spec/ and runtime/base/log.c" "$(lib 'yajl/' '^(spec/|runtime/base/log\.c$)')"
check "libseccomp only in runtime/seccomp.c" "$(lib 'seccomp\.h' '^runtime/seccomp\.c$')"
check "libcap only in runtime/caps.c" "$(lib 'sys/capability\.h' '^runtime/caps\.c$')"
# libmount is the test suite's mountinfo reader, not the runtime's (README.md).
check "libmount only in tests/integration/harness.c" \
	"$(git ls-files '*.c' '*.h' 2>/dev/null | xargs grep -lE '^#include <libmount/' 2>/dev/null |
		grep -vE '^tests/integration/harness\.c$')"
echo "1..$n"
exit $fail
