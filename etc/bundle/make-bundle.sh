#!/bin/sh
# Lays out the portable upload bundle, sessionauth-VERSION-linux-x86_64.tar.gz,
# from a build folder where `make bundle` linked bundle/* (see Makefile.am):
#
#   sessionauth-VERSION-linux-x86_64/
#     stage-site.sh            etc/apache/stage-site.sh: copies htdocs/ and
#                              private/ to a site folder and fills in the paths
#     README.md, sessionauth.env.sample
#     htdocs/                  as shipped, with cgi/auth-*.fcgi (static programs,
#                              but auth-profile and auth-passkey: glibc, and
#                              cgi/lib/ through $ORIGIN/lib)
#     private/templates/ data/
#     private/bin/sessionauth-admin      (static)
#     private/bin/sessionauth-deliver    (glibc, and lib/ through $ORIGIN/../lib)
#     private/lib/             libesmtp, its SASL plug-ins, libssl, libcrypto
#
# Usage: make-bundle.sh SRCDIR BUILDDIR VERSION
# Prints the tarball's path and the lowest glibc the bundle needs.
set -eu

die() { printf 'make-bundle.sh: %s\n' "$*" >&2; exit 1; }
[ $# -eq 3 ] || die "usage: make-bundle.sh SRCDIR BUILDDIR VERSION"
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd) version=$3
[ "$(uname -m)" = x86_64 ] || die "the bundle is for x86_64; this machine is $(uname -m)"
name=sessionauth-$version-linux-x86_64
out=$build/$name
for p in auth-home auth-register auth-login auth-logout auth-profile auth-reset auth-passkey auth-admin sessionauth-admin sessionauth-deliver; do
  [ -x "$build/bundle/$p" ] || die "$build/bundle/$p not found: run make bundle"
done

# glibc's own libraries: every host has them, the bundle never carries them.
is_glibc() {
  case $1 in
    ld-linux*|libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|libutil.so.*|libanl.so.*|libnss_*) return 0 ;;
  esac
  return 1
}

rm -rf "$out" "$out.tar.gz"
umask 022
mkdir -p "$out/htdocs/cgi" "$out/private/bin" "$out/private/lib" "$out/private/templates" "$out/private/data"
cp -R "$src/htdocs/." "$out/htdocs/"
cp -R "$src/templates/." "$out/private/templates/"
cp -R "$src/data/." "$out/private/data/"
install -m 0755 "$src/etc/apache/stage-site.sh" "$out/stage-site.sh"
install -m 0644 "$src/README.md" "$out/README.md"
install -m 0644 "$src/.env.sample" "$out/sessionauth.env.sample"
for p in auth-home auth-register auth-login auth-logout auth-profile auth-reset auth-passkey auth-admin; do
  install -s -m 0755 "$build/bundle/$p" "$out/htdocs/cgi/$p.fcgi"
done
# auth-profile's libqrencode and auth-passkey's libcbor (Debian has no
# static ones), in cgi/lib/ beside them ($ORIGIN/lib: the document root and
# private/ may be anywhere apart); cgi/.htaccess serves nothing there but
# the programs.
mkdir -p "$out/htdocs/cgi/lib"
{ ldd "$build/bundle/auth-profile"; ldd "$build/bundle/auth-passkey"; } |
  awk '$2 == "=>" && $3 ~ /^\// && !seen[$1]++ { print $1, $3 }' >"$out/.libs"
while read -r soname path; do
  is_glibc "$soname" && continue
  install -m 0644 "$path" "$out/htdocs/cgi/lib/$soname"
  strip --strip-unneeded "$out/htdocs/cgi/lib/$soname"
done <"$out/.libs"
rm -f "$out/.libs"
install -s -m 0755 "$build/bundle/sessionauth-admin" "$out/private/bin/sessionauth-admin"
install -s -m 0755 "$build/bundle/sessionauth-deliver" "$out/private/bin/sessionauth-deliver"

# Every shared library sessionauth-deliver loads, but glibc's, as the dynamic
# linker of this machine finds them, under their sonames.
esmtp=''
ldd "$build/bundle/sessionauth-deliver" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' >"$out/.libs"
while read -r soname path; do
  is_glibc "$soname" && continue
  install -m 0644 "$path" "$out/private/lib/$soname"
  case $soname in libesmtp.so.*) esmtp=$path ;; esac
done <"$out/.libs"
rm -f "$out/.libs"
[ -n "$esmtp" ] || die "sessionauth-deliver does not load libesmtp?"
# libesmtp loads its SASL mechanisms (AUTH PLAIN, LOGIN...) with dlopen from
# a path compiled in: .../esmtp-plugins-VERSION/sasl-NAME.so. glibc expands
# $ORIGIN in a dlopen path too (as the folder of the library calling it), so
# the bundled copy asks for "$ORIGIN//...//esmtp-plugins-VERSION/sasl-"
# instead, with its plug-ins beside it. Same length, slashes for padding:
# libesmtp counts the prefix with sizeof.
plugins=$(find "$(dirname "$(readlink -f "$esmtp")")" -maxdepth 1 -type d -name 'esmtp-plugins-*' | head -n 1)
[ -n "$plugins" ] || die "libesmtp's plug-in folder (esmtp-plugins-*) not found beside $esmtp"
cp -R "$plugins" "$out/private/lib/"
chmod 0644 "$out/private/lib/$(basename "$plugins")"/*
python3 - "$out/private/lib/$(basename "$esmtp")" "$plugins/sasl-" "$(basename "$plugins")/sasl-" <<'EOF'
import sys
path, old, tail = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
new = b"$ORIGIN/" + b"/" * (len(old) - len(tail) - 8) + tail
data = open(path, "rb").read()
if data.count(old + b"\0") != 1 or len(new) != len(old):
    sys.exit(f"make-bundle.sh: cannot point {path} at its plug-ins ({old.decode()})")
open(path, "wb").write(data.replace(old + b"\0", new + b"\0"))
EOF
for f in "$out/private/lib/"*.so*; do strip --strip-unneeded "$f"; done

# The lowest glibc: the newest GLIBC_x.y version any of the dynamic files
# asks for (the static programs carry their own C library).
floor=$(find "$out" -type f \( -name '*.so*' -o -name sessionauth-deliver -o -name auth-profile.fcgi -o -name auth-passkey.fcgi \) -exec objdump -T {} + 2>/dev/null |
  grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1)
[ -n "$floor" ] || die "no GLIBC_ versions found in the bundle's shared files"

# One owner, the files in a fixed order, the build's time: the same bytes
# from the same build.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$(stat -c %Y "$build/bundle/auth-home")" \
  -C "$build" -czf "$out.tar.gz" "$name"
printf 'bundle: %s (%s KiB)\n' "$out.tar.gz" "$(($(stat -c %s "$out.tar.gz") / 1024))"
printf 'glibc floor: %s\n' "$floor"
