#!/bin/sh
# STYLE 3.8: no TODO/FIXME/XXX/HACK/NEEDSWORK marks in the tree.  Prints TAP.
top=${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
words='TO''DO|FIX''ME|X''XX|HA''CK|NEEDS''WORK'
hits=$(git ls-files 2>/dev/null | grep -vE '^tests/check-marks\.sh$' |
	xargs grep -nwE "$words" 2>/dev/null | head -n 20)
if [ -n "$hits" ]; then
	echo "not ok 1 - no marks in the tree"
	printf '%s\n' "$hits" | sed 's/^/# /'
	echo "1..1"
	exit 1
fi
echo "ok 1 - no marks in the tree"
echo "1..1"
