#!/bin/sh
# Sanitized test runs write ASan/LSan/UBSan reports as files (log_path) so
# that a report from any process counts, even from a worker whose crash the
# engine turns into an ERROR outcome.  `clean` empties the folder before the
# tests; `check` (after them) fails if any report was written and prints it.
#   sanitizer_reports.sh clean|check DIR
set -eu
dir=$2
case $1 in
  clean) rm -rf "$dir"; mkdir -p "$dir" ;;
  check)
    n=$(find "$dir" -type f | wc -l)
    if [ "$n" -gt 0 ]; then
      echo "sanitizer_reports: $n report(s) in $dir:" >&2
      for f in "$dir"/*; do echo "== $f" >&2; head -60 "$f" >&2; done
      exit 1
    fi
    echo "sanitizer_reports: none" ;;
esac
