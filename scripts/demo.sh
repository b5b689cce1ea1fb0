#!/bin/bash
# Sets up (scripts/setup.sh), indexes the bundled corpus into
# build/demo-index, and asks it the project's first question.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf build/demo-index
build/attache index -i build/demo-index corpus/docs
build/attache search -i build/demo-index -n 3 "defence cooperation Azerbaijan"
