#!/bin/sh
# make mutate: mutation testing (go-gremlins/gremlins) of the packages that hold the refresh
# rules, tokens, sessions and the store, and of the conformance package's judging code.
# Each package is mutated on its own, its own tests run against each mutant, and the tool's
# summary is printed per package; the JSON reports and logs go to reports/mutation/.
# Gremlins mutates copies of the module in a temporary directory, never the source tree.
# Arguments, if any, name the packages to run (session token redis-store refresh-rules conformance-judge).
# Exit status: non-zero when a package misses a target (efficacy 90%, mutant coverage 85%).
# docs/TESTING.md has the latest figures and explains every mutant that lives.
set -uf # -f: the regexps below are not file patterns
GO=${GO:-go}
GREMLINS_VERSION=v0.6.0
out=reports/mutation
mkdir -p "$out"
# Gremlins builds each mutant in a copy of the module; with -trimpath the copies share the
# build cache with each other and with the source tree, so only the mutated package and
# its importers compile again.
export GOFLAGS="${GOFLAGS:-} -trimpath"
# A mutant's tests may take this many times as long as the package's tests took unmutated
# before gremlins calls it timed out (gremlins' default is 3: too tight on a loaded machine).
TIMEOUT_COEFFICIENT=${TIMEOUT_COEFFICIENT:-10}

# only DIR FILE...: gremlins -E options that leave, of DIR's non-test Go files and of its
# subdirectories', only FILE... to mutate. Gremlins matches them against paths relative to DIR.
only() {
	dir=$1
	shift
	keep=$(printf '%s\n' "$@")
	others=$(cd "$dir" && find . -maxdepth 1 -name '*.go' ! -name '*_test.go' | sed 's|^\./||' | sort | grep -vxF "$keep" | sed 's/\./\\./' | paste -sd'|' -)
	printf '%s\n' "-E" '^[^/]+/'
	if [ -n "$others" ]; then
		printf '%s\n' "-E" "^($others)\$"
	fi
}

selected="$*"
failed=""
summaries=""
start=$(date +%s)
# mutate NAME DIR [gremlins options...]
mutate() {
	name=$1 dir=$2
	shift 2
	if [ -n "$selected" ] && ! printf '%s\n' $selected | grep -qx "$name"; then
		return
	fi
	echo "== $dir ($name)"
	t0=$(date +%s)
	$GO run github.com/go-gremlins/gremlins/cmd/gremlins@$GREMLINS_VERSION unleash --timeout-coefficient "$TIMEOUT_COEFFICIENT" \
		--threshold-efficacy 90 --threshold-mcover 85 --output "$out/$name.json" "$@" "./$dir" >"$out/$name.log" 2>&1
	rc=$?
	grep -E 'LIVED|NOT COVERED|TIMED OUT' "$out/$name.log"
	summary=$(sed -n '/^Killed:/,/^Mutator coverage:/p' "$out/$name.log")
	if [ -z "$summary" ]; then
		cat "$out/$name.log"
		summary="gremlins failed (exit $rc); see $out/$name.log"
	fi
	secs=$(($(date +%s) - t0))
	summaries="$summaries
== $dir ($name), $((secs / 60))m$((secs % 60))s
$summary"
	[ "$rc" -eq 0 ] || failed="$failed $dir"
	echo "$summary"
}

mutate session mock/session -E '^storetest/'
mutate token mock/token
# The Redis store runs the store's behaviour table against a real redis-server; without one
# its tests skip, and every mutant would live.
if command -v redis-server >/dev/null 2>&1; then
	mutate redis-store mock/redisstore
elif [ -z "$selected" ] || printf '%s\n' $selected | grep -qx redis-store; then
	echo "== mock/redisstore (redis-store) SKIPPED: its tests need redis-server (sudo apt-get install redis-server)"
fi
# The mock package is large; the refresh rules are refresh.go (steps 1 to 6) and errors.go
# (the table from each rule's error to status and X-Mock-Error code). Each mutant runs the
# whole package's tests, with fewer race rounds than make test.
# shellcheck disable=SC2046
APPMAKER_RACE_ROUNDS=5 mutate refresh-rules mock $(only mock refresh.go errors.go)
# The conformance package's judging code: the checks, validation against the document,
# the refusals it expects, and what it takes for a JWT.
# shellcheck disable=SC2046
mutate conformance-judge conformance $(only conformance checks.go validate.go refused.go jwt.go)

secs=$(($(date +%s) - start))
echo "$summaries"
echo
echo "== make mutate took $((secs / 60))m$((secs % 60))s; reports in $out/"
if [ -n "$failed" ]; then
	echo "== below a target (efficacy 90%, mutant coverage 85%):$failed"
	exit 1
fi
