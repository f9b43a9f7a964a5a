#!/usr/bin/env bash
# Renders an HTML report in headless Chromium and saves a PNG, to check by eye that a report
# (`dni report`, `dni compare --report`) is legible: ticks apart, labels unclipped, legend clear.
#
# Usage: Scripts/screenshot-report.sh REPORT.html OUT.png [WIDTH HEIGHT]
# Needs Chromium: on Debian/Ubuntu `apt-get install -y chromium` (or chromium-browser,
# google-chrome); set CHROMIUM=/path/to/browser to choose one.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 REPORT.html OUT.png [WIDTH HEIGHT]" >&2
    exit 2
fi
report=$1
output=$2
width=${3:-1200}
height=${4:-2000}

if [[ ! -f $report ]]; then
    echo "$0: no such file: $report" >&2
    exit 2
fi

browser=${CHROMIUM:-}
if [[ -z $browser ]]; then
    for candidate in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$candidate" >/dev/null 2>&1; then
            browser=$candidate
            break
        fi
    done
fi
if [[ -z $browser ]]; then
    echo "$0: no Chromium found; install it (apt-get install -y chromium) or set CHROMIUM" >&2
    exit 2
fi

report_path=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
output_path=$(cd "$(dirname "$output")" && pwd)/$(basename "$output")
# A throw-away profile, so runs neither share state nor touch the user's own profile.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$profile" --window-size="$width,$height" \
    --screenshot="$output_path" "file://$report_path" >/dev/null 2>&1

if [[ ! -s $output_path ]]; then
    echo "$0: Chromium wrote no screenshot to $output_path" >&2
    exit 1
fi
echo "$output_path"
