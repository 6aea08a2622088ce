#!/usr/bin/env bash
# Checks every C++ file of the project against .clang-format; prints the files that differ and how to fix them.
# usage: tools/check-format.sh [CLANG_FORMAT]   (run from anywhere; exit 1 when a file is not formatted)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
clang_format=${1:-clang-format}
cd "$root"
mapfile -t files < <(find app cmake core ui tests tools -path core/third_party -prune -o \
                          \( -name '*.cpp' -o -name '*.h' -o -name '*.hpp' \) -type f -print | sort)
bad=()
for f in "${files[@]}"; do
    "$clang_format" --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
    printf 'not formatted: %s\n' "${bad[@]}" >&2
    echo "fix with: clang-format -i ${bad[*]}" >&2
    exit 1
fi
echo "format: ${#files[@]} files match .clang-format"
