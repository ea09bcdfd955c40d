#!/bin/sh
# valgrind memcheck on one end-to-end evaluation: the sample city imported
# into a fresh database, then `ronghe eval` with the project's rules, the
# supervisor and its worker processes (--trace-children=yes) all under
# memcheck.  Any memory error or definite leak fails (exit 99).
#   valgrind_eval.sh RONGHE VALGRIND SOURCE_DIR
set -eu
exe=$1 valgrind=$2 src=$3
tmp=$(mktemp -d /tmp/ronghe-valgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/city.db
"$exe" init --db "$db" >/dev/null
for f in "$src"/examples/city/*.csv; do
  t=$(basename "$f" .csv)
  "$exe" import "${t#*_}" "$f" --db "$db" >/dev/null
done
vg="$valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --trace-children=yes"
# one import under memcheck too (a table the city leaves empty)
printf 'date,is_statutory,name\n2031-01-01,1,test\n' > "$tmp/h.csv"
$vg "$exe" import holiday "$tmp/h.csv" --db "$db" >/dev/null
status=0
$vg "$exe" eval --db "$db" --rules "$src/rules" --as-of 2023-06-30 --quiet --watchdog-ms 60000 \
  --time-ms 60000 || status=$?
# 0: clean; 1: clean run in which some rule raised ERROR (still memcheck-clean)
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  echo "valgrind_eval: eval exited $status" >&2
  exit 1
fi
echo "valgrind_eval: memcheck clean (eval exit $status)"
