#!/usr/bin/env bash
# demo.sh: placeholder; the demo is written in another change and replaces this file.
echo "demo not written yet" >&2
exit 1
