#!/bin/bash
# Sets up (scripts/setup.sh), indexes the bundled corpus into
# build/demo-index, and asks it the project's first question, with the
# counts of its matches by country and month (the corpus's front matter).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf build/demo-index
build/attache index -i build/demo-index corpus/docs
build/attache search -i build/demo-index -n 3 --facet countries:5 --facet date:month \
    "defence cooperation Azerbaijan"
