# Account helpers for imgpolicy's base images (sourced by adduser, addgroup, useradd,
# groupadd). Debian's busybox-static has no adduser/addgroup applets, so the bases carry
# these small stand-ins: they edit /etc/passwd, /etc/group and /etc/shadow directly and
# accept the options the usual Dockerfile lines use. Not a full shadow/busybox clone.

PASSWD_FILE=/etc/passwd
GROUP_FILE=/etc/group
SHADOW_FILE=/etc/shadow

die() {
  echo "$PROG: $*" >&2
  exit 1
}

valid_name() {
  case $1 in
    '' | -* | *[!a-zA-Z0-9._-]*) return 1 ;;
  esac
  return 0
}

valid_id() {
  case $1 in
    '' | *[!0-9]*) return 1 ;;
  esac
  return 0
}

# field_of FILE NAME FIELD: a field of the entry named NAME
field_of() {
  awk -F: -v n="$2" -v f="$3" '$1 == n { print $f; exit }' "$1"
}

has_entry() {
  [ -f "$1" ] && awk -F: -v n="$2" '$1 == n { found = 1 } END { exit !found }' "$1"
}

id_taken() {
  [ -f "$1" ] && awk -F: -v id="$2" '$3 == id { found = 1 } END { exit !found }' "$1"
}

# next_id FILE LOW HIGH: the smallest id in [LOW, HIGH] not used in FILE
next_id() {
  awk -F: -v lo="$2" -v hi="$3" '
    { used[$3] = 1 }
    END {
      for (i = lo; i <= hi; i++) if (!(i in used)) { print i; exit 0 }
      exit 1
    }' "$1"
}

# gid_for GROUP: the gid of a group given by name or number
gid_for() {
  if valid_id "$1"; then
    echo "$1"
  elif has_entry "$GROUP_FILE" "$1"; then
    field_of "$GROUP_FILE" "$1" 3
  else
    return 1
  fi
}

add_group() { # NAME GID
  has_entry "$GROUP_FILE" "$1" && die "group '$1' already exists"
  id_taken "$GROUP_FILE" "$2" && die "gid $2 is already used"
  echo "$1:x:$2:" >>"$GROUP_FILE"
}

add_member() { # USER GROUP
  has_entry "$GROUP_FILE" "$2" || die "group '$2' does not exist"
  awk -F: -v OFS=: -v u="$1" -v g="$2" '
    $1 == g {
      n = split($4, m, ",")
      for (i = 1; i <= n; i++) if (m[i] == u) { print; next }
      $4 = ($4 == "" ? u : $4 "," u)
    }
    { print }' "$GROUP_FILE" >"$GROUP_FILE.new" && cat "$GROUP_FILE.new" >"$GROUP_FILE" && rm -f "$GROUP_FILE.new"
}

add_user() { # NAME UID GID GECOS HOME SHELL
  has_entry "$PASSWD_FILE" "$1" && die "user '$1' already exists"
  id_taken "$PASSWD_FILE" "$2" && die "uid $2 is already used"
  echo "$1:x:$2:$3:$4:$5:$6" >>"$PASSWD_FILE"
  # a locked password: the account cannot log in with one
  [ -f "$SHADOW_FILE" ] && echo "$1:!:19700:0:99999:7:::" >>"$SHADOW_FILE"
  return 0
}

make_home() { # DIR UID GID
  mkdir -p "$1" && chown "$2:$3" "$1" && chmod 755 "$1"
}
