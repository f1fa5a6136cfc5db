#!/usr/bin/env bash
# Rewrites every golden expectation from the current ward. Review `git diff tests/golden` before committing.
exec bash "$(dirname "$0")/run.sh" --update
