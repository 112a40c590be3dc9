# bash completion for durabench                                    -*- shell-script -*-
#
# Installed as share/bash-completion/completions/durabench (cmake/install.cmake), where
# bash-completion loads it the first time `durabench` is completed; or source it by hand:
#   source scripts/durabench-completion.bash
# Completes the commands, each command's options (kept equal to its --help by
# tests/install/cli_docs_test.py), workload names (from `durabench list`, run when a name is
# completed), engines and sync methods (from the same list), patterns, and file names where an
# option or argument takes a file. Needs nothing but bash: not the bash-completion package.

# The options of each command, as its --help lists them (the test checks both ways).
_durabench_options_common='-h --help'
_durabench_options_clusters='--ceph-conf --ceph-keyring --ceph-id --gluster-port --connect-timeout'
_durabench_options_target='--create --keep --allow-overwrite --destroy-data --ignore-signatures --op-timeout'
declare -A _durabench_options=(
  [run]="-t --target -o --output --json --format -q --quiet --interval --fault --fio-equivalent --rank-results --shared-target --stonewall --progress --rank-netns --no-layout-fill
         --engine --pattern --read-percent --block-size --size --runtime --ops --ramp --iodepth
         --jobs --direct --no-direct --sync --fsync-every --rate-iops --data --sqpoll --no-sqpoll
         --fill --no-fill --cpus $_durabench_options_target $_durabench_options_clusters"
  [list]="--json"
  [probe]="-t --target --op-timeout --json -o --output $_durabench_options_clusters"
  [plp]="-t --target --workload --runtime --rounds --size --expect -o --output --json -q --quiet --audit
         $_durabench_options_target $_durabench_options_clusters"
  [eval]="-t --target --quick --workload --sustained-size --sustained-runtime --interval -o --output --json --audit
          -q --quiet $_durabench_options_target $_durabench_options_clusters"
  [compare]="--markdown --json --wide --format -o --output --breakdown --local --replicas --kind --percentiles"
  [gate]="--baseline --candidate --threshold --alpha --min-runs --markdown --junit --json"
  [merge]="-o --output --sequential"
  [report]="-o --output --title --force --data-only --python"
  [audit]="-t --target -w --witness --verify --audit-id --workload --cut-after --cut-command
           -o --output --json --format -q --quiet --progress --interval --fault --no-layout-fill
           --engine --pattern --read-percent --block-size --size --runtime --ops --ramp --iodepth
           --jobs --direct --no-direct --sync --fsync-every --rate-iops --data --sqpoll --no-sqpoll
           --fill --no-fill --cpus $_durabench_options_target $_durabench_options_clusters"
  [witness]="-l --listen -d --dir"
)
# Options that take a value, per command (compare's --markdown is a flag, gate's takes a file).
declare -A _durabench_valued=(
  [run]="-t --target -o --output --format --interval --fault --rank-results --rank-netns --destroy-data --op-timeout --engine --pattern
         --read-percent --block-size --size --runtime --ops --ramp --iodepth --jobs --sync
         --fsync-every --rate-iops --data --cpus $_durabench_options_clusters"
  [list]=""
  [probe]="-t --target --op-timeout -o --output $_durabench_options_clusters"
  [plp]="-t --target --workload --runtime --rounds --size --expect -o --output --audit --destroy-data --op-timeout
         $_durabench_options_clusters"
  [eval]="-t --target --workload --sustained-size --sustained-runtime --interval -o --output --audit --destroy-data
          --op-timeout $_durabench_options_clusters"
  [compare]="-o --output --format --local --replicas --kind --percentiles"
  [gate]="--baseline --candidate --threshold --alpha --min-runs --markdown --junit"
  [merge]="-o --output"
  [report]="-o --output --title --python"
  [audit]="-t --target -w --witness --audit-id --workload --cut-after --cut-command -o --output
           --format --interval --fault --destroy-data --op-timeout --engine --pattern --read-percent --block-size
           --size --runtime --ops --ramp --iodepth --jobs --sync --fsync-every --rate-iops --data
           --cpus $_durabench_options_clusters"
  [witness]="-l --listen -d --dir"
)
_durabench_commands='run list probe plp eval compare gate merge report audit witness'

# One section of `durabench list` ("Workloads", "Engines", "Sync methods"): the names, one per
# line. $1: the durabench command as typed (so a build tree's binary completes its own list).
_durabench_list_section() {
  "$1" list 2>/dev/null | awk -v section="$2" '
    index($0, section " (") == 1 { inside = 1; next }
    /^$/ { inside = 0 }
    inside && /^  [^ ]/ { print $1 }'
}

# Sets COMPREPLY to the words of $1 that start with $2.
_durabench_words() {
  local IFS=$' \t\n'
  # shellcheck disable=SC2207  # words, never file names with spaces
  COMPREPLY=($(compgen -W "$1" -- "$2"))
}

_durabench_files() {
  compopt -o filenames 2>/dev/null
  local IFS=$'\n'
  # shellcheck disable=SC2207
  COMPREPLY=($(compgen -f -- "$1"))
}

_durabench() {
  local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]}
  local cmd="" i word prev=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ -z $cmd && $word != -* ]]; then
      cmd=$word
      break
    fi
  done
  ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  # --opt=VALUE: readline splits at '=', so the option is the word before the '='.
  if [[ $prev == = ]] && ((COMP_CWORD > 2)); then
    prev=${COMP_WORDS[COMP_CWORD - 2]}
  elif [[ $cur == = ]]; then
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    cur=""
  fi
  COMPREPLY=()

  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      _durabench_words "$_durabench_options_common --version" "$cur"
    else
      _durabench_words "$_durabench_commands" "$cur"
    fi
    return 0
  fi
  [[ -v "_durabench_options[$cmd]" ]] || return 0

  # The value of the option before the cursor (--opt VALUE or --opt=VALUE).
  if [[ $prev == -* && " ${_durabench_valued[$cmd]//$'\n'/ } " == *" $prev "* ]]; then
    case $prev in
      --engine) _durabench_words "$(_durabench_list_section "$prog" Engines)" "$cur" ;;
      --sync) _durabench_words "$(_durabench_list_section "$prog" 'Sync methods')" "$cur" ;;
      --pattern) _durabench_words "read write randread randwrite randrw" "$cur" ;;
      --kind) _durabench_words "write flush commit" "$cur" ;;
      --format)
        if [[ $cmd == compare ]]; then
          _durabench_words "text markdown json csv" "$cur"
        else
          _durabench_words "text json csv" "$cur"
        fi
        ;;
      --expect) _durabench_words "flush-free flush-costly suspicious undecided" "$cur" ;;
      --workload)
        _durabench_words "$(_durabench_list_section "$prog" Workloads)" "$cur"
        [[ $cur == */* || $cur == .* ]] && _durabench_files "$cur"
        ;;
      --python) COMPREPLY=($(compgen -c -- "$cur")) ;;
      -t | --target | --destroy-data) [[ $cmd == gate ]] || _durabench_files "$cur" ;;
      -o | --output | --local | --baseline | --candidate | --markdown | --junit | \
        --ceph-conf | --ceph-keyring)
        _durabench_files "$cur"
        ;;
    esac
    return 0
  fi

  if [[ $cur == -* ]]; then
    _durabench_words "$_durabench_options_common ${_durabench_options[$cmd]}" "$cur"
    return 0
  fi
  case $cmd in
    run)
      # The workload: a name, or a path to a .toml file.
      _durabench_words "$(_durabench_list_section "$prog" Workloads)" "$cur"
      [[ $cur == */* || $cur == .* ]] && _durabench_files "$cur"
      ;;
    list | gate) ;;
    *) _durabench_files "$cur" ;;
  esac
  return 0
}

complete -F _durabench durabench
