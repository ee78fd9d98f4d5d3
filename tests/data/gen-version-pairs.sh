#!/bin/sh
# gen-version-pairs.sh - builds the version corpus and dpkg's answers for test-version-order.
#
#   gen-version-pairs.sh corpus  >debian-versions.txt   (from /var/lib/apt/lists/*Packages*)
#   gen-version-pairs.sh pairs   >version-pairs.txt     (from debian-versions.txt beside it)
#
# Run once by hand on a Debian system and commit the output: the test only reads the files,
# so make check needs neither dpkg nor the package lists. Each answer comes from
# dpkg --compare-versions itself (the reference the order is defined by).
set -eu
here=$(dirname "$0")

corpus() {
	echo "# Version strings from Debian's package lists: every distinct Version field of"
	echo "# $(cd /var/lib/apt/lists && ls *Packages* | sed 's/_binary.*//' | sort -u | tr '\n' ' ' | sed 's/ $//')"
	echo "# (binary-amd64 Packages files), extracted $(date -u +%Y-%m-%d) by gen-version-pairs.sh corpus."
	echo "# Licence: these are bare version numbers, factual archive metadata with no creative content;"
	echo "# the Debian archive publishes them for anyone to use. One version a line; '#' lines are comments."
	for f in /var/lib/apt/lists/*Packages*; do
		case $f in
		*.lz4) lz4cat "$f" ;;
		*.xz) xzcat "$f" ;;
		*.gz) zcat "$f" ;;
		*) cat "$f" ;;
		esac
	done | sed -n 's/^Version: //p' | LC_ALL=C sort -u
}

# Pairs worth asking about: random ones, lexical neighbours (shared prefixes, where the order
# is subtle), and every version with an epoch, a tilde or a long digit run against another.
draw() {
	grep -v '^#' "$here/debian-versions.txt" | awk 'BEGIN { srand(16) }
	{ v[n++] = $0 }
	function pick() { return v[int(rand() * n)] }
	END {
		for (i = 0; i < 4000; i++) print pick(), pick()
		for (i = 0; i < 4000; i++) { j = int(rand() * (n - 1)); print v[j], v[j + 1] }
		for (j = 0; j < n; j++) {
			if (v[j] ~ /:/) print v[j], pick()
			if (v[j] ~ /~/) print v[j], (j + 1 < n ? v[j + 1] : v[0])
			if (v[j] ~ /[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]/) { print v[j], pick(); l[m++] = v[j] }
		}
		for (i = 0; i < m; i++) print l[i], l[int(rand() * m)]
	}' | awk '$1 != $2 && !seen[$0]++'
}

pairs() {
	echo "# dpkg --compare-versions on pairs drawn from debian-versions.txt by gen-version-pairs.sh pairs;"
	echo "# generated $(date -u +%Y-%m-%d) with $(dpkg --version | head -n 1 | sed 's/.*version //; s/ .*//' | sed 's/^/dpkg /')."
	echo "# Each line: A B R, where R is <, = or > for A against B."
	draw | while read -r a b; do
		if dpkg --compare-versions "$a" lt "$b"; then r='<'
		elif dpkg --compare-versions "$a" eq "$b"; then r='='
		else r='>'
		fi
		echo "$a $b $r"
	done
}

case ${1:-} in
corpus) corpus ;;
pairs) pairs ;;
*) echo "usage: $0 corpus|pairs" >&2; exit 2 ;;
esac
