# Package helpers for the apk and apt-get stand-ins of imgpolicy's alpine-like and
# debian-like bases. There is no package repository: these bases are made offline from
# Debian's busybox-static, CA bundle and tzdata. A package named in
# /usr/lib/imgpolicy/packages is either part of the base already ("base": nothing to do)
# or kept in an offline stash ("stash": unpacked from /usr/lib/imgpolicy/stash/NAME.tar.gz,
# so that it lands in the layer of the RUN that asked for it). Anything else fails, loudly.

PKG_DB=/usr/lib/imgpolicy/packages
PKG_STASH=/usr/lib/imgpolicy/stash

pkg_available() {
  awk '{ printf "%s%s", sep, $1; sep = ", " }' "$PKG_DB"
}

pkg_state() {
  awk -v n="$1" '$1 == n { print $2; exit }' "$PKG_DB"
}

# pkg_install SPEC: SPEC may carry a version constraint (tzdata=2024a-r0, curl>8)
pkg_install() {
  name=${1%%[=<>~]*}
  case $(pkg_state "$name") in
    base) echo "$PROG: $name is part of this base (nothing to do)" ;;
    stash)
      if [ -f "$PKG_STASH/$name.installed" ]; then
        echo "$PROG: $name is already installed"
      else
        tar -xzf "$PKG_STASH/$name.tar.gz" -C / && : >"$PKG_STASH/$name.installed" &&
          echo "$PROG: installed $name (from the base's offline stash)"
      fi ;;
    *)
      echo "$PROG: package '$name' is not available: imgpolicy's $BASE_KIND base is a stand-in built offline from Debian's busybox, with no package repository (it can install: $(pkg_available))" >&2
      return 1 ;;
  esac
}
