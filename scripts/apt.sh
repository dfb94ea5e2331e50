# apt_install installs Debian packages, as root or through sudo, running
# apt-get update once per run and waiting for the apt lock rather than
# failing when another install holds it. Sourced by the test scripts.
apt_updated=
apt_install() {
	local sudo=
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 || {
			echo "need root (or sudo) to install: $*" >&2
			exit 1
		}
		sudo="sudo"
	fi
	if [ -z "$apt_updated" ]; then
		$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@"
}
