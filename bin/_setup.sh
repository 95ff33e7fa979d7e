# Shared by bin/demo and bin/test: a virtual environment with the project's dependencies,
# reinstalled only when pyproject.toml changes, and the compiled translations.

PYTHON=${PYTHON:-python3}

setup_venv() {
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "error: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version 2>&1))." >&2
        exit 1
    fi
    if [ ! -x .venv/bin/python ]; then
        echo "==> Creating the virtual environment in .venv"
        "$PYTHON" -m venv .venv
    fi
    local stamp=.venv/.pyproject-installed
    if [ ! -f "$stamp" ] || ! cmp -s pyproject.toml "$stamp"; then
        echo "==> Installing dependencies"
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet ".[dev]"
        cp pyproject.toml "$stamp"
    fi
    export PATH="$PWD/.venv/bin:$PATH"
}

compile_translations() {
    if ! command -v msgfmt >/dev/null; then
        echo "error: msgfmt is missing; install gettext (sudo apt-get install gettext)." >&2
        exit 1
    fi
    python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
}

# Runs a command as root: directly when we are root, through sudo when it needs no password.
# Fails (returns 1) when neither is possible, so callers can say what to run instead.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo "$@"
    else
        return 1
    fi
}

# The system packages the test suite needs (Debian/Ubuntu names): installed when apt-get may
# be used, otherwise the exact command to run is printed and the set-up stops.
install_system_packages() {
    local missing=()
    [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
    command -v msgfmt >/dev/null || missing+=(gettext)
    [ ${#missing[@]} -gt 0 ] || return 0
    if command -v apt-get >/dev/null \
        && as_root apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
            --no-install-recommends "${missing[@]}"; then
        echo "==> Installed ${missing[*]}"
        return 0
    fi
    echo "error: the test suite needs ${missing[*]}. Install them with:" >&2
    echo "    sudo apt-get install ${missing[*]}" >&2
    exit 1
}

# PostgreSQL and Redis on this machine, started when they are installed but not running (a
# fresh container); remote ones (DATABASE_URL / REDIS_URL elsewhere) are left alone.
start_local_services() {
    if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null \
        && [ -d /etc/postgresql ]; then
        echo "==> Starting PostgreSQL"
        as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
    fi
    if command -v redis-server >/dev/null \
        && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        echo "==> Starting Redis"
        as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" \
            --appendonly no || true
    fi
}
