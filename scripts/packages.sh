# Sourced by scripts/setup and scripts/test: install the Debian packages a step needs.
# As root with apt-get they are installed; otherwise the run stops and prints the one command
# to run, so a missing part never makes a leg skip silently.

# need_packages PKG... : each argument is a package that is missing (callers test for it).
need_packages() {
  [ $# -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing $* with apt-get ..."
    if [ -z "${SALESDESK_APT_UPDATED:-}" ]; then
      apt-get update -qq
      export SALESDESK_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "salesdesk needs: $*. Install them with:" >&2
    echo "  sudo apt-get install -y $*" >&2
    exit 1
  fi
}
