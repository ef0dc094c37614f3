#!/usr/bin/env bash
# Get the data for the softmax exercise into datasets/.
#
#   ./get_datasets.sh               download CIFAR-10 (python version, 163 MiB), check its
#                                   SHA-256, extract it safely into datasets/cifar-10-batches-py
#                                   and mark it complete; a later run finds the mark and stops
#   ./get_datasets.sh --verify      re-check the extracted batches against their MD5s
#   ./get_datasets.sh --synthetic [--seed N ...]
#                                   write the offline stand-in, datasets/cifar-10-synthetic;
#                                   the default set is kept if it is there and verifies
#
# Nothing is half-written: the download and the extraction happen in a temporary folder
# that is removed on any failure or Ctrl-C, and the dataset folder is moved into place last.
# Environment: CIFAR10_URL and CIFAR10_SHA256 override the source and its checksum (a mirror,
# or with curl a local copy as file:///path/cifar-10-python.tar.gz); PYTHON names the
# Python to use (default: the bundle's .venv if present, else python3).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
target=$here/datasets/cifar-10-batches-py
marker=$target/.complete                # data_utils.COMPLETE_MARKER
url=${CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz}
cifar10_sha256=6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce
sha256=$(printf '%s' "${CIFAR10_SHA256:-$cifar10_sha256}" | tr 'A-F' 'a-f')
if [ -z "${PYTHON:-}" ]; then
    PYTHON=python3
    [ ! -x "$here/.venv/bin/python" ] || PYTHON=$here/.venv/bin/python
fi
offline="offline, ./get_datasets.sh --synthetic writes a stand-in dataset instead"

die() { echo "error: $*" >&2; exit 1; }       # one line, however many arguments

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: install Python 3.11 or set PYTHON"

if [ "${1:-}" = "--synthetic" ]; then
    shift
    cd "$here"
    "$PYTHON" -c 'import numpy' 2>/dev/null \
        || die "$PYTHON has no numpy: run ./run.sh once to set up .venv, or set PYTHON"
    exec "$PYTHON" -m cifar_synthetic --keep "$@"
fi

if [ "${1:-}" = "--verify" ]; then
    [ -d "$target" ] || die "$target not found: run ./get_datasets.sh to download it"
    if "$PYTHON" - "$target" <<'EOF'; then
import hashlib, pathlib, sys
MD5 = {"data_batch_1": "c99cafc152244af753f735de768cd75f",
       "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
       "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
       "data_batch_4": "634d18415352ddfa80567beed471001a",
       "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
       "test_batch": "40351d587109b95175f43aff81a1287e"}
folder, ok = pathlib.Path(sys.argv[1]), True
for name, want in MD5.items():
    path = folder / name
    got = hashlib.md5(path.read_bytes()).hexdigest() if path.is_file() else "missing"
    print(f"{name}: {'OK' if got == want else 'FAILED (' + got + ')'}")
    ok = ok and got == want
sys.exit(0 if ok else 1)
EOF
        touch "$marker"
        echo "All six batches match CIFAR-10's MD5s; $target is marked complete."
        exit 0
    fi
    rm -f "$marker"
    die "$target does not match CIFAR-10 (see above): remove it and run ./get_datasets.sh again"
fi

[ $# -eq 0 ] || die "unknown option '$1': use --verify, --synthetic, or no option"

if [ -f "$marker" ]; then
    echo "CIFAR-10 is already in $target (verified); nothing to do." \
        "./get_datasets.sh --verify re-checks it."
    exit 0
fi
[ ! -e "$target" ] || die "$target exists but was not completed by this script:" \
    "run ./get_datasets.sh --verify to check and mark it, or remove it and run again"

mkdir -p "$here/datasets"
tmp=$(mktemp -d "$here/datasets/.download.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'echo "interrupted: nothing was kept" >&2; exit 130' INT TERM
archive=$tmp/cifar-10-python.tar.gz

echo "Downloading $url"
status=0
if command -v curl >/dev/null 2>&1; then
    curl --fail --location --progress-bar --output "$archive.part" "$url" || status=$?
    case $status in 6|7) status=unreachable ;; 22) status=refused ;; esac
elif command -v wget >/dev/null 2>&1; then
    wget --progress=bar:force --output-document="$archive.part" "$url" || status=$?
    case $status in 4) status=unreachable ;; 8) status=refused ;; esac
else
    die "neither curl nor wget is installed: install one; $offline"
fi
case $status in
    0) ;;
    unreachable) die "could not reach the server of $url: check the network" \
                     "or set CIFAR10_URL to a mirror; $offline" ;;
    refused) die "the server refused $url (HTTP error): set CIFAR10_URL to a mirror; $offline" ;;
    *) die "downloading $url failed (exit status $status): try again" \
           "or set CIFAR10_URL to a mirror; $offline" ;;
esac

got=$("$PYTHON" - "$archive.part" <<'EOF'
import hashlib, sys
digest = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        digest.update(block)
print(digest.hexdigest())
EOF
)
[ "$got" = "$sha256" ] || die "checksum mismatch: $url has SHA-256 $got, expected $sha256" \
    "(corrupt or not CIFAR-10; nothing was kept): try again or set CIFAR10_URL to another" \
    "mirror; $offline"
mv "$archive.part" "$archive"
echo "SHA-256 verified; extracting"

# Extract only plain files and folders that stay inside the target folder.
"$PYTHON" - "$archive" "$tmp/extract" <<'EOF' || exit 1
import os, sys, tarfile
archive, dest = sys.argv[1], os.path.realpath(sys.argv[2])
try:
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        for m in members:
            where = os.path.realpath(os.path.join(dest, m.name))
            if (os.path.isabs(m.name) or ".." in m.name.split("/")
                    or not (where == dest or where.startswith(dest + os.sep))):
                why = "it would land outside the target folder"
            elif not (m.isfile() or m.isdir()):
                why = "only plain files and folders are allowed"
            else:
                continue
            raise ValueError(f"refusing archive member {m.name!r}: {why}")
        extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(dest, members=members, **extra)
except (ValueError, OSError, tarfile.TarError) as err:
    sys.exit(f"error: {err}; nothing was kept: check CIFAR10_URL, "
             "or offline use ./get_datasets.sh --synthetic")
EOF
for name in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch \
        batches.meta; do
    [ -f "$tmp/extract/cifar-10-batches-py/$name" ] || die "the archive has no" \
        "cifar-10-batches-py/$name: it is not CIFAR-10's python version; nothing was kept"
done
echo "$sha256  $url" > "$tmp/extract/cifar-10-batches-py/${marker##*/}"
[ ! -e "$target" ] || die "$target appeared while downloading (another run?): nothing was changed"
mv "$tmp/extract/cifar-10-batches-py" "$target"
echo "CIFAR-10 is ready in $target."
