#!/usr/bin/env bash
# Reads the built programs with readelf and checks the hardening configure
# turns on (configure.ac, "Hardening"): one line per program and property,
# then "N passed, N failed" (./dev test counts it).
#
#   tests/hardening/check_binaries.sh BUILD_DIR
#
# PIE       ELF type DYN and FLAGS_1 PIE
# RELRO     a GNU_RELRO segment
# BIND_NOW  FLAGS BIND_NOW (with RELRO: the GOT read-only from the start)
# canary    __stack_chk_fail imported (-fstack-protector-strong)
# fortify   some __*_chk call when the program calls a function glibc
#           fortifies (_FORTIFY_SOURCE)
# CET       .note.gnu.property with IBT and SHSTK (-fcf-protection). The
#           linker keeps the note only when every object has it; where the C
#           library's own start file (Scrt1.o) lacks it, as on Debian 12, no
#           program linked there can have it, and the check asks instead that
#           every object of ours linked into the program has it.
set -uo pipefail

BUILD=${1:?usage: check_binaries.sh BUILD_DIR}
passed=0
failed=0
ok() { passed=$((passed + 1)); printf 'ok      %-22s %s\n' "$1" "$2"; }
bad() { failed=$((failed + 1)); printf 'FAILED  %-22s %s\n' "$1" "$2"; }

# Functions glibc has a checked (__*_chk) variant of.
FORTIFIABLE='^(memcpy|memmove|mempcpy|memset|stpcpy|strcat|strcpy|strncat|strncpy|sprintf|snprintf|vsprintf|vsnprintf|printf|fprintf|vprintf|vfprintf|dprintf|read|pread|pread64|readlink|getcwd|fgets|fread|realpath|poll|recv|recvfrom|wcscpy|wmemcpy|syslog)$'

has_ibt_shstk() { readelf -n "$1" 2>/dev/null | grep -q 'x86 feature: IBT, SHSTK'; }

# Every object of ours the program is made of: its own and the libraries'.
objects_of() {
  local name=$1 o
  for o in "$BUILD"/src/programs/"$name".o "$BUILD"/src/*/*.o "$BUILD"/src/*/*/*.o; do
    case $o in "$BUILD"/src/programs/*) [ "$o" = "$BUILD/src/programs/$name.o" ] || continue ;; esac
    [ -f "$o" ] && printf '%s\n' "$o"
  done
}

crt=$(${CC:-gcc} -print-file-name=Scrt1.o 2>/dev/null)
crt_cet=yes
[ -f "$crt" ] && has_ibt_shstk "$crt" || crt_cet=no

programs=()
for p in "$BUILD"/auth-* "$BUILD"/sessionauth-*; do
  [ -f "$p" ] && [ -x "$p" ] && programs+=("$p")
done
if [ ${#programs[@]} -eq 0 ]; then
  bad "programs" "none found in $BUILD (auth-*, sessionauth-*)"
fi

for p in "${programs[@]}"; do
  name=$(basename "$p")
  header=$(readelf -hW "$p" 2>&1)
  dynamic=$(readelf -dW "$p" 2>&1)
  segments=$(readelf -lW "$p" 2>&1)
  undefined=$(readelf --dyn-syms -W "$p" 2>&1 | awk '$7 == "UND" { sub(/@.*/, "", $8); print $8 }')

  if grep -q 'Type: *DYN' <<<"$header" && grep -Eq 'FLAGS_1\).*PIE' <<<"$dynamic"; then ok "$name" "PIE"
  else bad "$name" "PIE: not a position-independent executable (ELF type DYN with FLAGS_1 PIE)"; fi

  if grep -q 'GNU_RELRO' <<<"$segments"; then ok "$name" "RELRO"
  else bad "$name" "RELRO: no GNU_RELRO segment (-Wl,-z,relro)"; fi

  if grep -Eq '\(FLAGS\).*BIND_NOW' <<<"$dynamic"; then ok "$name" "BIND_NOW"
  else bad "$name" "BIND_NOW: no FLAGS BIND_NOW (-Wl,-z,now)"; fi

  if grep -qx '__stack_chk_fail' <<<"$undefined"; then ok "$name" "stack protector"
  else bad "$name" "stack protector: __stack_chk_fail not imported (-fstack-protector-strong)"; fi

  checked=$(grep -cE '^__[a-z0-9_]+_chk$' <<<"$undefined" || true)
  fortifiable=$(grep -E "$FORTIFIABLE" <<<"$undefined" | tr '\n' ' ')
  if [ "$checked" -gt 0 ]; then ok "$name" "fortify ($checked checked functions)"
  elif [ -z "$fortifiable" ]; then ok "$name" "fortify (no fortifiable calls)"
  else bad "$name" "fortify: no __*_chk call, yet it calls $fortifiable(-D_FORTIFY_SOURCE)"; fi

  if has_ibt_shstk "$p"; then ok "$name" "CET (IBT, SHSTK)"
  elif [ "$crt_cet" = no ]; then
    unmarked=()
    while read -r o; do has_ibt_shstk "$o" || unmarked+=("${o#"$BUILD"/}"); done < <(objects_of "$name")
    if [ ${#unmarked[@]} -eq 0 ]; then
      ok "$name" "CET: every object of ours IBT, SHSTK (the C library's $(basename "$crt") is not, so the program is unmarked)"
    else
      bad "$name" "CET: objects without IBT/SHSTK (-fcf-protection): ${unmarked[*]:0:5}"
    fi
  else bad "$name" "CET: no IBT/SHSTK note (-fcf-protection)"; fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
