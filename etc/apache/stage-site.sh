#!/bin/sh
# Lays out sessionauth for Apache with only .htaccess (shared hosting), in a
# folder you then upload, or stage straight on the host:
#
#   SITE_DIR/htdocs/    goes INTO the document root: .htaccess (AUTH_ENV and
#                       the ErrorDocument path filled in), css/ js/ images/
#                       errors/, cgi/.htaccess, cgi/auth-*.fcgi (the
#                       programs; mod_fcgid runs them, or plain CGI)
#   SITE_DIR/private/   goes OUTSIDE the document root: the env file
#                       (sessionauth.env), templates/, data/, db/ (the database
#                       folder; the first request creates the database there),
#                       bin/sessionauth-deliver (sends the queued mail; the
#                       pages start it, or cron does)
#
# Usage: stage-site.sh [OPTIONS] SITE_DIR ENV_FILE
#
#   ENV_FILE  your env file (see .env.sample): copied to private/sessionauth.env,
#             mode 0600. Keys it leaves out are added for the staged layout:
#             TEMPLATE_DIR, DATA_DIR, DATABASE_PATH (private/db/sessionauth.sqlite),
#             MAIL_DELIVER_PROGRAM (private/bin/sessionauth-deliver).
#             The path of its BASE_URL (a sub-folder such as /account, or none)
#             starts the ErrorDocument path and the links of errors/*.html.
#   --private-path PATH  where private/ will be on the web host (default: the
#             staged SITE_DIR/private itself); the paths written into .htaccess
#             and the env file start with it
#   --programs DIR  the built auth-* programs (default: the checkout's build/,
#             or the installed $libexecdir/sessionauth next to this script;
#             in the upload bundle, the bundle's own htdocs/ and private/)
#   --share DIR  templates/, data/ and htdocs/ (default: the checkout, or the
#             installed $datadir/sessionauth this script is in)
#   --owner USER  (as root) give private/ to USER, the user the programs run
#             as (e.g. www-data on a server without suexec)
#
# Staging again updates the programs, templates and static files and the env
# file; the database in private/db stays.
set -eu

usage() {
  sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit "${1:-2}"
}
die() { printf 'stage-site.sh: %s\n' "$*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
programs='' share='' private_path='' owner=''
while [ $# -gt 0 ]; do
  case $1 in
    --programs) [ $# -ge 2 ] || usage; programs=$2; shift 2 ;;
    --programs=*) programs=${1#*=}; shift ;;
    --share) [ $# -ge 2 ] || usage; share=$2; shift 2 ;;
    --share=*) share=${1#*=}; shift ;;
    --private-path) [ $# -ge 2 ] || usage; private_path=$2; shift 2 ;;
    --private-path=*) private_path=${1#*=}; shift ;;
    --owner) [ $# -ge 2 ] || usage; owner=$2; shift 2 ;;
    --owner=*) owner=${1#*=}; shift ;;
    -h|--help) usage 0 ;;
    --) shift; break ;;
    -*) printf 'stage-site.sh: unknown option %s\n' "$1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || usage
site=$1 env_in=$2

# In the upload bundle (make bundle) this script sits beside htdocs/ and
# private/, which hold the programs, templates and data already laid out:
# they are copied as they are, and the rest is filled in as below.
bundle=''
if [ -z "$share$programs" ] && [ -x "$here/htdocs/cgi/auth-home.fcgi" ] && [ -f "$here/private/templates/layout.tpl" ]; then
  bundle=$here share=$here programs=$here/private/bin
fi
# Where the shared files are: this script sits in etc/apache/ both in the
# checkout and under the installed $datadir/sessionauth.
if [ -z "$share" ]; then
  share=$(cd "$here/../.." && pwd)
fi
# templates/ and data/: in the bundle, under private/.
files=$share
[ -z "$bundle" ] || files=$bundle/private
for f in "$files/templates/layout.tpl" "$files/data/common-passwords.txt" "$share/htdocs/.htaccess" "$share/htdocs/cgi/.htaccess"; do
  [ -f "$f" ] || die "$f not found: give --share (the folder holding templates/, data/, htdocs/)"
done
if [ -n "$bundle" ]; then
  :
elif [ -z "$programs" ]; then
  for d in "$share/build" "$share/../../libexec/sessionauth"; do
    if [ -x "$d/auth-home" ]; then programs=$d; break; fi
  done
  [ -n "$programs" ] || die "no built programs found: give --programs (the build folder or \$libexecdir/sessionauth)"
fi
[ -n "$bundle" ] || [ -x "$programs/auth-home" ] || die "$programs/auth-home not found or not executable"
[ -f "$env_in" ] || die "env file $env_in not found (start from .env.sample)"

mkdir -p "$site"
site=$(cd "$site" && pwd)
private=$site/private
[ -n "$private_path" ] || private_path=$private
case $private_path in
  /*) ;;
  *) die "--private-path must be absolute: $private_path" ;;
esac
case $private_path in
  *'"'*|*'\'*|*'
'*) die "the private path may not contain quotes, backslashes or newlines: $private_path" ;;
esac
private_path=${private_path%/}
env_name=sessionauth.env

has_key() { grep -Eq "^[[:space:]]*(export[[:space:]]+)?$1[[:space:]]*=" "$env_in"; }
value_of() {
  grep -E "^[[:space:]]*(export[[:space:]]+)?$1[[:space:]]*=" "$env_in" | tail -n 1 |
    sed -E "s/^[^=]*=[[:space:]]*//; s/^[\"']//; s/[\"'][[:space:]]*(#.*)?\$//; s/[[:space:]]+#.*\$//"
}

# The site's URL path: the path of BASE_URL (e.g. /account), empty at the
# root of the host. Anything but plain characters: left at the root, with a
# warning (edit the ErrorDocument line yourself).
base_path=''
if has_key BASE_URL; then
  base_path=$(value_of BASE_URL | sed -E 's|^[A-Za-z][A-Za-z0-9+.-]*://[^/]*||; s|/+$||')
fi
case $base_path in
  '') ;;
  /*[!A-Za-z0-9._~%/-]*|[!/]*)
    printf 'stage-site.sh: warning: BASE_URL has a path stage-site.sh does not write into .htaccess (%s): set the ErrorDocument line and the links of errors/413.html yourself\n' "$base_path" >&2
    base_path='' ;;
esac

# https: BASE_URL's origin (scheme and host, e.g. https://example.com), which
# the .htaccess sends plain http requests to; empty for an http BASE_URL.
https_origin=''
if has_key BASE_URL; then
  https_origin=$(value_of BASE_URL | sed -nE 's|^[Hh][Tt][Tt][Pp][Ss]://([^/?#]*).*$|https://\1|p' | tr 'A-Z' 'a-z')
fi
case $https_origin in
  ''|https://[A-Za-z0-9.-]*|https://[A-Za-z0-9.-]*:[0-9]*|https://\[[0-9A-Fa-f:.]*\]|https://\[[0-9A-Fa-f:.]*\]:[0-9]*) ;;
  *) die "BASE_URL's host is not one stage-site.sh writes into .htaccess: $https_origin" ;;
esac

# -- the document root ---------------------------------------------------
umask 022
mkdir -p "$site/htdocs/cgi"
# Static files and both .htaccess files, as shipped.
cp -R "$share/htdocs/." "$site/htdocs/"
# The path of the env file goes into the one SetEnv line, the site's path
# into the ErrorDocument line (errors/413.html, for a form too large).
escaped=$(printf '%s' "$private_path/$env_name" | sed 's/[|&]/\\&/g')
grep -q '^SetEnv AUTH_ENV ' "$site/htdocs/.htaccess" || die "no 'SetEnv AUTH_ENV' line in $share/htdocs/.htaccess"
sed -e "s|^SetEnv AUTH_ENV .*|SetEnv AUTH_ENV \"$escaped\"|" \
    -e "s|^ErrorDocument 413 /.*|ErrorDocument 413 $base_path/errors/413.html|" \
    "$share/htdocs/.htaccess" >"$site/htdocs/.htaccess.new"
mv "$site/htdocs/.htaccess.new" "$site/htdocs/.htaccess"
# The admin area's htpasswd file (README, "The admin area"): its path,
# private/admin.htpasswd, goes into cgi/.htaccess's AuthUserFile line, which
# stays commented ("#admin# ") until you turn the admin area on.
escaped=$(printf '%s' "$private_path/admin.htpasswd" | sed 's/[|&]/\\&/g')
sed -e "s|^#admin# \( *\)AuthUserFile .*|#admin# \1AuthUserFile \"$escaped\"|" \
    "$share/htdocs/cgi/.htaccess" >"$site/htdocs/cgi/.htaccess.new"
mv "$site/htdocs/cgi/.htaccess.new" "$site/htdocs/cgi/.htaccess"
# An https BASE_URL turns on the .htaccess's "#https# " lines: plain http
# redirected to its origin, HSTS on what Apache answers itself; without
# includeSubDomains for a site in a sub-folder, which shares its host.
if [ -n "$https_origin" ]; then
  subdomains='s|^|&|'
  [ -z "$base_path" ] || subdomains='s|; includeSubDomains||'
  sed -e "/^#https# /{s|^#https# ||; s|https://example\.com|$https_origin|g; $subdomains;}" \
      "$site/htdocs/.htaccess" >"$site/htdocs/.htaccess.new"
  mv "$site/htdocs/.htaccess.new" "$site/htdocs/.htaccess"
fi
# The error pages link to the site from its root (/css/site.css, /profile):
# in a sub-folder, from there.
if [ -n "$base_path" ]; then
  for f in "$site/htdocs/errors/"*.html; do
    [ -f "$f" ] || continue
    sed -E "s#(href|src)=\"/#\\1=\"$base_path/#g" "$f" >"$f.new"
    mv "$f.new" "$f"
  done
fi
# The programs, named *.fcgi so that the .htaccess gives them to mod_fcgid
# (or to plain CGI). `install` replaces a running binary safely. (The
# bundle's htdocs/ has them already: counted.)
found=0
[ -z "$bundle" ] || found=$(($(find "$site/htdocs/cgi" -name 'auth-*.fcgi' | wc -l)))
[ -n "$bundle" ] || for f in "$programs"/auth-*; do
  name=${f##*/}
  case $name in *.*) continue ;; esac
  [ -f "$f" ] && [ -x "$f" ] || continue
  install -m 0755 "$f" "$site/htdocs/cgi/$name.fcgi"
  found=$((found + 1))
done
[ "$found" -gt 0 ] || die "no auth-* programs in $programs"
chmod -R u=rwX,go=rX "$site/htdocs"

# -- outside the document root -------------------------------------------
mkdir -p "$private/templates" "$private/data" "$private/bin"
chmod 0700 "$private"
[ -x "$programs/sessionauth-deliver" ] || die "$programs/sessionauth-deliver not found (it sends the mail)"
install -m 0755 "$programs/sessionauth-deliver" "$private/bin/sessionauth-deliver"
cp -R "$files/templates/." "$private/templates/"
cp -R "$files/data/." "$private/data/"
# The bundle's sessionauth-admin and the libraries sessionauth-deliver loads
# (private/lib/, found through its $ORIGIN run path).
# A new lib/ is moved into place, not copied over the old one: a running
# sessionauth-deliver keeps the files it mapped.
if [ -n "$bundle" ]; then
  install -m 0755 "$bundle/private/bin/sessionauth-admin" "$private/bin/sessionauth-admin"
  rm -rf "$private/.lib.new"
  cp -R "$bundle/private/lib" "$private/.lib.new"
  rm -rf "$private/lib"
  mv "$private/.lib.new" "$private/lib"
fi

tmp_env=$private/.$env_name.new
(
  umask 077
  cat "$env_in" >"$tmp_env"
  added=''
  for pair in "TEMPLATE_DIR=$private_path/templates" "DATA_DIR=$private_path/data" \
              "DATABASE_PATH=$private_path/db/sessionauth.sqlite" \
              "MAIL_DELIVER_PROGRAM=$private_path/bin/sessionauth-deliver"; do
    has_key "${pair%%=*}" && continue
    [ -n "$added" ] || { printf '\n# Added by stage-site.sh: where this site keeps its files.\n'; added=yes; }
    case ${pair#*=} in
      *[[:space:]#]*) printf '%s="%s"\n' "${pair%%=*}" "${pair#*=}" ;;
      *) printf '%s\n' "$pair" ;;
    esac
  done >>"$tmp_env"
)
mv "$tmp_env" "$private/$env_name"

# The database folder (when the database lives under private/).
db=$private_path/db/sessionauth.sqlite
has_key DATABASE_PATH && db=$(value_of DATABASE_PATH)
case $db in
  "$private_path"/*) rel=${db#"$private_path"/}; mkdir -p "$private/$(dirname "$rel")"; chmod 0700 "$private/$(dirname "$rel")" ;;
esac

if [ -n "$owner" ]; then
  chown -R "$owner:" "$private"
fi

printf 'staged %s: htdocs/ (%s programs) -> the document root; private/ -> %s\n' "$site" "$found" "$private_path"
