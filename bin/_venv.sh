# Shared by bin/run and bin/test: a venv in .venv with the pinned packages of one group.
ensure_venv() {
  local group="$1"
  local py="${PYTHON:-$(command -v python3.11 || command -v python3)}"
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
  fi
  # shellcheck disable=SC1091
  source .venv/bin/activate
  local stamp=".venv/.installed-$group"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
    python -m pip install --quiet --disable-pip-version-check --group "$group"
    touch "$stamp"
  fi
}
