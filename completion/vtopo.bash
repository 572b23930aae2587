# bash completion for vtopo (installed to share/bash-completion/completions;
# zsh loads it through bashcompinit, completion/_vtopo). The options come
# from `vtopo CMD --help` itself, so they never drift from the binary; the
# values of the options that take a word from a fixed set are listed here.

_vtopo_options()
{
    # Every --long-option the command's help names.
    "${1:-vtopo}" "$2" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

_vtopo()
{
    local cur prev words cword cmd i vtopo=${COMP_WORDS[0]}
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *)
            cmd=${COMP_WORDS[i]}
            break
            ;;
        esac
    done
    COMPREPLY=()
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "host plan check emit verify exec irq draw place help --help --version" -- "$cur"))
        return 0
    fi
    case $prev in
    --mem-layout)
        COMPREPLY=($(compgen -W "flat qemu-pc qemu-q35 xen-hvm host e820:" -- "$cur"))
        return 0
        ;;
    --apic)
        COMPREPLY=($(compgen -W "sdm xen legacy" -- "$cur"))
        return 0
        ;;
    --vendor)
        COMPREPLY=($(compgen -W "intel amd" -- "$cur"))
        return 0
        ;;
    --numa)
        COMPREPLY=($(compgen -W "native acpi" -- "$cur"))
        return 0
        ;;
    --mem-backend)
        COMPREPLY=($(compgen -W "ram memfd hugepages hugepages:2M hugepages:1G" -- "$cur"))
        return 0
        ;;
    --vnode-cpus)
        COMPREPLY=($(compgen -W "any" -- "$cur"))
        return 0
        ;;
    --emulator-cpus)
        [[ $cmd == place ]] && return 0 # a count
        COMPREPLY=($(compgen -W "auto none" -- "$cur"))
        return 0
        ;;
    --cpu-policy)
        COMPREPLY=($(compgen -W "dedicated shared" -- "$cur"))
        return 0
        ;;
    --thread-policy)
        COMPREPLY=($(compgen -W "prefer isolate require" -- "$cur"))
        return 0
        ;;
    --hugepages)
        COMPREPLY=($(compgen -W "2M 1G" -- "$cur"))
        return 0
        ;;
    --emulator)
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
        ;;
    --accel)
        COMPREPLY=($(compgen -W "auto tcg kvm" -- "$cur"))
        return 0
        ;;
    --plan | --fsroot | --acpi | --out | --keep | --tables | --plan-out)
        COMPREPLY=($(compgen -d -- "$cur"))
        return 0
        ;;
    --host | --save | --cpuid | --e820 | --memory-image | --table | --kernel | --state)
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
        ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_vtopo_options "$vtopo" "$cmd")" -- "$cur"))
        return 0
    fi
    case $cmd in
    emit)
        # The format, when it is not given yet.
        for ((i = 2; i < COMP_CWORD; i++)); do
            case ${COMP_WORDS[i]} in
            qemu | libvirt | xl | cloud-hypervisor | xen-dom0) return 0 ;;
            esac
        done
        COMPREPLY=($(compgen -W "qemu libvirt xl cloud-hypervisor xen-dom0" -- "$cur"))
        ;;
    help)
        COMPREPLY=($(compgen -W "host plan check emit verify exec irq draw place" -- "$cur"))
        ;;
    check)
        COMPREPLY=($(compgen -f -- "$cur"))
        ;;
    irq)
        # The subcommand, when it is not given yet.
        for ((i = 2; i < COMP_CWORD; i++)); do
            case ${COMP_WORDS[i]} in
            show | predict | plan) return 0 ;;
            apply | restore)
                COMPREPLY=($(compgen -f -- "$cur"))
                return 0
                ;;
            esac
        done
        COMPREPLY=($(compgen -W "show predict plan apply restore" -- "$cur"))
        ;;
    esac
    return 0
}
complete -F _vtopo vtopo
