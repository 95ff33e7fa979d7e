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
