#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Helpers the scripts in hack/ share (sourced, not run).

# copy_collection ROOT DEST: the checkout's files (git ls-files, so uncommitted and
# untracked-but-not-ignored files count too) copied to DEST, which gets a git repository of its
# own. ansible-test wants the collection at .../ansible_collections/vmpod/core and lists its files
# through git: without a repository of its own it would walk up to the checkout's .git, where
# .build/ is ignored, and find no files at all.
copy_collection() {
    local root=$1 dest=$2
    rm -rf "$dest"
    mkdir -p "$dest"
    (
        cd "$root" || exit 1
        # --cached also lists tracked files deleted from the work tree: copy only what exists.
        git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
            done |
            tar --null --no-recursion -T - -cf -
    ) | tar -C "$dest" -xf -
    git -C "$dest" -c init.defaultBranch=main init -q
    git -C "$dest" add -A
}

# pip_install_quietly PYTHON REQUIREMENTS: pip install -r REQUIREMENTS with PYTHON, its output
# shown only when it fails. The machine's pip configuration points at local wheel directories
# that may not exist; pip only warns about them, which would drown the output.
pip_install_quietly() {
    local python=$1 requirements=$2 log_file
    log_file="$(mktemp)"
    if ! "$python" -m pip install --disable-pip-version-check --no-input \
            -r "$requirements" >"$log_file" 2>&1; then
        grep -v "^WARNING: Location 'file:" "$log_file" >&2 || true
        rm -f "$log_file"
        return 1
    fi
    rm -f "$log_file"
}
