#!/usr/bin/env bash
# bash completion (completion/vtopo.bash): a subcommand, an option of the
# command's own help, the values of --mem-layout and the emit formats.
#
# Usage: test_completion.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

# shellcheck source=/dev/null
. "$SRC/completion/vtopo.bash"

# complete WORD... : COMPREPLY for the last word, one per line, in $OUT.
complete_words()
{
    COMP_WORDS=("$VTOPO" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _vtopo
    OUT=$(printf '%s\n' "${COMPREPLY[@]}")
}

t_begin "completion: a subcommand"
complete_words pl
expect_out_line "plan"
complete_words e
expect_out_line "emit" "exec"

t_begin "completion: an option from the command's own help"
complete_words plan --mem-l
expect_out_line "--mem-layout"
complete_words emit --pl
expect_out_line "--plan"
complete_words verify --require
expect_out_line "--require-numa"

t_begin "completion: the values of --mem-layout, --apic, --numa"
complete_words plan --mem-layout qemu
expect_out_line "qemu-pc" "qemu-q35"
complete_words plan --apic ""
expect_out_line "sdm" "xen" "legacy"
complete_words emit qemu --numa a
expect_out_line "acpi"

t_begin "completion: emit's format, once"
complete_words emit c
expect_out_line "cloud-hypervisor"
complete_words emit qemu q
[ -z "$OUT" ] || t_fail "a second format offered: $OUT"

t_begin "completion: the zsh file loads the bash completion"
grep -q 'bashcompinit' "$SRC/completion/_vtopo" || t_fail "_vtopo does not use bashcompinit"
if ! command -v zsh >/dev/null 2>&1; then
    t_fail "zsh is not installed (scripts/install-deps.sh installs it)"
else
    run zsh -c "fpath=($SRC/completion \$fpath); XDG_DATA_DIRS=$T/share; mkdir -p $T/share/bash-completion/completions; cp $SRC/completion/vtopo.bash $T/share/bash-completion/completions/vtopo; autoload -U compinit && compinit -u && source $SRC/completion/_vtopo && whence -w _vtopo"
    expect_rc 0
    expect_out_has "_vtopo: function"
fi

vt_finish
