#!/usr/bin/env bash
# Installs an imsguard .deb in a fresh root and starts it as its systemd unit would, then
# becomes the imsguard process (exec: the caller's PID is imsguard's, and it stops it by PID).
# Usage (as root): unshare --mount --net --propagation private bash fresh_root.sh DEB ROOT
#
# The root, all inside this mount namespace (gone with the process):
#   /etc   fresh: passwd and group from base-passwd's masters (what a new Debian starts with,
#          no imsguard user), shadow files to match, and the few host files a system needs
#          to run programs (ld.so.cache, nsswitch.conf, PAM, login.defs, adduser.conf, dpkg's
#          and OpenSSL's configuration);
#   /var   fresh, with a copy of the host's dpkg database: the packages the .deb depends on
#          are installed, and really present through /usr;
#   /usr   the host's, under an overlay whose upper layer is a tmpfs: the package installs
#          into it without touching the host;
#   /proc, /dev from the host; /tmp and /run empty; the network namespace is new: only a
#          loopback, so the installed configuration's ports cannot clash with the host's.
# Each stage prints a line "fresh-root: ..." that the test reads.
set -euo pipefail
deb=$1
root=$2
say() { echo "fresh-root: $*"; }

mount --make-rprivate /
ip link set lo up

mkdir -p "$root"
mount -t tmpfs -o mode=0755 fresh-root "$root"
mkdir -p "$root"/{usr,etc,var,proc,dev,tmp,run,root,.layers}
mount -t tmpfs -o mode=0700 layers "$root/.layers"
mkdir -p "$root/.layers/usr" "$root/.layers/work"
mount -t overlay overlay -o "lowerdir=/usr,upperdir=$root/.layers/usr,workdir=$root/.layers/work" "$root/usr"
for link in bin lib lib64 sbin; do
  if [ -L "/$link" ]; then ln -s "$(readlink "/$link")" "$root/$link"; fi
done
chmod 1777 "$root/tmp"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"

# /etc
cp /usr/share/base-passwd/passwd.master "$root/etc/passwd"
cp /usr/share/base-passwd/group.master "$root/etc/group"
cut -d: -f1 "$root/etc/passwd" | sed 's/$/:*:19000:0:99999:7:::/' >"$root/etc/shadow"
cut -d: -f1 "$root/etc/group" | sed 's/$/:*::/' >"$root/etc/gshadow"
chmod 0640 "$root/etc/shadow" "$root/etc/gshadow"
for f in ld.so.cache ld.so.conf ld.so.conf.d nsswitch.conf login.defs adduser.conf dpkg hosts ssl pam.d pam.conf security; do
  if [ -e "/etc/$f" ]; then cp -a "/etc/$f" "$root/etc/"; fi
done
if getent passwd imsguard >/dev/null 2>&1 && grep -q '^imsguard:' "$root/etc/passwd"; then
  say "the fresh /etc already has an imsguard user"; exit 3
fi

# /var
mkdir -p "$root/var/lib" "$root/var/log" "$root/var/cache" "$root/var/tmp"
cp -a /var/lib/dpkg "$root/var/lib/"
# The host's ownership overrides name its own users and groups (ssl-cert, ...), which a
# fresh /etc does not have; they concern the host's files, not this package's.
: >"$root/var/lib/dpkg/statoverride"
if grep -q '^Package: imsguard$' "$root/var/lib/dpkg/status"; then say "imsguard is installed on the host already"; exit 3; fi
cp "$deb" "$root/tmp/imsguard.deb"
say "root ready at $root"

# Install: dpkg unpacks, registers the conffiles and runs the postinst (user, group, dirs).
chroot "$root" dpkg -i /tmp/imsguard.deb
say "installed: $(chroot "$root" dpkg-query -W -f='${Package} ${Version} ${Status}' imsguard)"
say "conffiles:$(chroot "$root" dpkg-query -W -f='${Conffiles}' imsguard | tr '\n' ' ')"
say "user: $(chroot "$root" getent passwd imsguard)"
say "group: $(chroot "$root" getent group imsguard)"

# The unit as systemd would run it: User=, Group=, WorkingDirectory=, ExecStartPre=, ExecStart=.
unit=$root/lib/systemd/system/imsguard.service
value() { sed -n "s/^$1=//p" "$unit" | head -n 1; }
user=$(value User)
group=$(value Group)
workdir=$(value WorkingDirectory)
pre=$(value ExecStartPre)
start=$(value ExecStart)
[ -n "$user" ] && [ -n "$group" ] && [ -n "$start" ] || { say "the unit has no User=, Group= or ExecStart="; exit 3; }
say "unit: User=$user Group=$group ExecStart=$start"
if ! chroot --userspec="$user:$group" "$root" /bin/sh -c "cd '$workdir' && $pre"; then
  say "ExecStartPre failed"; exit 4
fi
say "ExecStartPre passed as $user"
say "starting imsguard"
exec chroot --userspec="$user:$group" "$root" /bin/sh -c "cd '$workdir' && exec $start"
