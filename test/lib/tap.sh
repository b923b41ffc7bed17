# shellcheck shell=bash
# TAP for the integration scripts that compare values: check DESCRIPTION GOT
# EXPECTED prints "ok N" or "not ok N" with both values; $failed is 1 once a
# check failed (the script's exit status).
n=0
failed=0
check() { # description, got, expected
    n=$((n + 1))
    if [[ "$2" == "$3" ]]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        echo "#   got:      '$2'"
        echo "#   expected: '$3'"
        failed=1
    fi
}
