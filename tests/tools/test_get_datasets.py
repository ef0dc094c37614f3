"""get_datasets.sh end to end against a local HTTP server on 127.0.0.1 serving small tarballs.

The script works on the datasets/ folder beside itself, so each test runs a copy of it in a
temporary bundle folder; CIFAR10_URL and CIFAR10_SHA256 point it at the local archive."""

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest

import data_utils

import cifar_fixtures
from local_server import Server

BUNDLE = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash")
BATCHES = cifar_fixtures.random_batches(seed=5, batch_size=20, num_test=10)
NAMES = [f"data_batch_{b}" for b in range(1, 6)] + ["test_batch"]
GOOD_FILES = {f"cifar-10-batches-py/{name}": cifar_fixtures.py2_batch_pickle(*batch)
              for name, batch in zip(NAMES, BATCHES)}
GOOD_FILES["cifar-10-batches-py/batches.meta"] = cifar_fixtures.py2_meta_pickle()
GOOD_FILES["cifar-10-batches-py/readme.html"] = b"<html></html>"


@pytest.fixture
def server(tmp_path):
    (tmp_path / "www").mkdir()
    s = Server(tmp_path / "www")
    yield s
    s.close()


@pytest.fixture
def bundle(tmp_path):
    """A folder holding a copy of get_datasets.sh and an empty datasets/."""
    root = tmp_path / "bundle"
    (root / "datasets").mkdir(parents=True)
    shutil.copy2(BUNDLE / "get_datasets.sh", root / "get_datasets.sh")
    return root


def publish(server, name, files, extra=()):
    """Put a tarball on the server; return its URL and SHA-256."""
    path = cifar_fixtures.tarball(server.root / name, files, extra)
    return server.url(name), hashlib.sha256(path.read_bytes()).hexdigest()


def run(bundle, *args, url=None, sha256=None, path=None):
    env = {**os.environ, "PYTHON": sys.executable}
    overrides = {"CIFAR10_URL": url, "CIFAR10_SHA256": sha256, "PATH": path}
    env.update({name: value for name, value in overrides.items() if value})
    return subprocess.run([BASH, str(bundle / "get_datasets.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def last_line(result):
    return result.stderr.strip().splitlines()[-1]


def test_download_verifies_extracts_and_marks_complete(server, bundle, monkeypatch):
    url, sha256 = publish(server, "c.tar.gz", GOOD_FILES)
    result = run(bundle, url=url, sha256=sha256.upper())
    assert result.returncode == 0, result.stderr
    target = bundle / "datasets" / "cifar-10-batches-py"
    assert [p.name for p in (bundle / "datasets").iterdir()] == ["cifar-10-batches-py"]
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [".complete", "batches.meta", "readme.html", *NAMES])
    Xtr, Ytr, Xte, Yte = data_utils.load_CIFAR10(target)
    np.testing.assert_array_equal(Ytr, np.concatenate([labels for _, labels in BATCHES[:5]]))
    np.testing.assert_array_equal(Xte, cifar_fixtures.reference_load(target)[2])
    monkeypatch.setattr(data_utils, "DATASETS_DIR", bundle / "datasets")
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    assert data_utils.locate_cifar10() == (target, "cifar10")


def test_second_run_leaves_the_dataset_alone(server, bundle):
    url, sha256 = publish(server, "c.tar.gz", GOOD_FILES)
    assert run(bundle, url=url, sha256=sha256).returncode == 0
    batch = bundle / "datasets" / "cifar-10-batches-py" / "data_batch_1"
    before = batch.stat().st_mtime_ns
    second = run(bundle, url=url, sha256=sha256)
    assert second.returncode == 0
    assert "already" in second.stdout and "nothing to do" in second.stdout
    assert server.requests == ["/c.tar.gz"] and batch.stat().st_mtime_ns == before


def test_wrong_checksum_fails_and_leaves_nothing(server, bundle):
    url, _ = publish(server, "c.tar.gz", GOOD_FILES)
    result = run(bundle, url=url, sha256="0" * 64)
    assert result.returncode != 0
    assert "checksum mismatch" in last_line(result)
    assert "./get_datasets.sh --synthetic" in last_line(result)
    assert list((bundle / "datasets").iterdir()) == []


def unsafe_members():
    climbing = tarfile.TarInfo("cifar-10-batches-py/../../escaped.txt")
    climbing.size = 5
    absolute = tarfile.TarInfo("/tmp/escaped-absolute.txt")
    absolute.size = 5
    symlink = tarfile.TarInfo("cifar-10-batches-py/link")
    symlink.type, symlink.linkname = tarfile.SYMTYPE, "../../escaped.txt"
    hardlink = tarfile.TarInfo("cifar-10-batches-py/hard")
    hardlink.type, hardlink.linkname = tarfile.LNKTYPE, "cifar-10-batches-py/test_batch"
    return {"dot-dot": (climbing, b"owned"), "absolute": (absolute, b"owned"),
            "symlink": (symlink, None), "hardlink": (hardlink, None)}


@pytest.mark.parametrize("kind", ["dot-dot", "absolute", "symlink", "hardlink"])
def test_unsafe_archive_members_are_refused(server, bundle, tmp_path, kind):
    url, sha256 = publish(server, "evil.tar.gz", GOOD_FILES, [unsafe_members()[kind]])
    result = run(bundle, url=url, sha256=sha256)
    assert result.returncode != 0
    assert "refusing archive member" in last_line(result)
    assert "nothing was kept" in last_line(result)
    assert list((bundle / "datasets").iterdir()) == []
    assert not any(p.name.startswith("escaped") for p in tmp_path.rglob("*"))


def test_server_down_gives_a_clear_message(bundle):
    with socket.socket() as s:          # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run(bundle, url=f"http://127.0.0.1:{port}/c.tar.gz", sha256="0" * 64)
    assert result.returncode != 0
    assert last_line(result).startswith("error: could not reach the server of")
    assert "./get_datasets.sh --synthetic" in last_line(result)
    assert list((bundle / "datasets").iterdir()) == []


def test_missing_file_on_the_server(server, bundle):
    result = run(bundle, url=server.url("absent.tar.gz"), sha256="0" * 64)
    assert result.returncode != 0
    assert last_line(result).startswith("error: the server refused")
    assert list((bundle / "datasets").iterdir()) == []


def test_wget_is_used_when_curl_is_absent(server, bundle, tmp_path):
    if shutil.which("wget") is None:
        pytest.skip("wget is not installed")
    tools = tmp_path / "bin"            # the script's tools without curl
    tools.mkdir()
    for tool in ["dirname", "tr", "mktemp", "mkdir", "rm", "mv", "wget"]:
        (tools / tool).symlink_to(shutil.which(tool))
    url, sha256 = publish(server, "c.tar.gz", GOOD_FILES)
    result = run(bundle, url=url, sha256=sha256, path=str(tools))
    assert result.returncode == 0, result.stderr
    assert (bundle / "datasets" / "cifar-10-batches-py" / ".complete").is_file()


def downloaded(bundle):
    """Bytes in the download's .part file so far (0 before it exists)."""
    try:
        return sum(part.stat().st_size
                   for part in (bundle / "datasets").glob(".download.*/*.part"))
    except FileNotFoundError:            # the script removed it between glob and stat
        return 0


def test_interrupt_during_download_leaves_nothing(server, bundle):
    url, sha256 = publish(server, "c.tar.gz", GOOD_FILES)
    env = {**os.environ, "PYTHON": sys.executable, "CIFAR10_SHA256": sha256,
           "CIFAR10_URL": url.replace("/c.tar", "/stall/c.tar")}
    # A shell starts background jobs with Ctrl-C ignored and children inherit that, so in a
    # suite started in the background the script could not be interrupted (nor trap it).
    # Handled here while starting it, SIGINT is back at its default in the script.
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen([BASH, str(bundle / "get_datasets.sh")], env=env,
                                   start_new_session=True, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
    finally:
        signal.signal(signal.SIGINT, handler)
    # Interrupt only once the download has data on disk: the script is then in the download,
    # which waits for the rest of the file until the server closes, however slow this machine.
    while downloaded(bundle) == 0:
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)          # Ctrl-C goes to the whole process group
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130 and "interrupted: nothing was kept" in stderr, stderr
    assert list((bundle / "datasets").iterdir()) == []


def test_unmarked_folder_is_not_touched(server, bundle):
    folder = cifar_fixtures.write_folder(bundle / "datasets" / "cifar-10-batches-py", BATCHES)
    url, sha256 = publish(server, "c.tar.gz", GOOD_FILES)
    result = run(bundle, url=url, sha256=sha256)
    assert result.returncode != 0 and "--verify" in last_line(result)
    assert server.requests == [] and not (folder / ".complete").exists()


def test_verify_checks_cifar10s_md5s(server, bundle):
    url, sha256 = publish(server, "c.tar.gz", GOOD_FILES)
    assert run(bundle, url=url, sha256=sha256).returncode == 0
    result = run(bundle, "--verify")
    # the small stand-in batches are not CIFAR-10's, so every MD5 differs
    assert result.returncode != 0
    assert "data_batch_1: FAILED" in result.stdout and "test_batch: FAILED" in result.stdout
    assert "does not match CIFAR-10" in last_line(result)
    assert not (bundle / "datasets" / "cifar-10-batches-py" / ".complete").exists()


def test_verify_without_a_dataset(bundle):
    result = run(bundle, "--verify")
    assert result.returncode != 0 and "not found: run ./get_datasets.sh" in last_line(result)


def test_unknown_option(bundle):
    result = run(bundle, "--fast")
    assert result.returncode != 0 and "unknown option '--fast'" in last_line(result)


def test_synthetic_option_writes_the_offline_set(tmp_path):
    out = tmp_path / "syn"
    command = [BASH, str(BUNDLE / "get_datasets.sh"), "--synthetic", "--out", str(out),
               "--num-train", "50", "--num-test", "10"]
    result = subprocess.run(command, env={**os.environ, "PYTHON": sys.executable},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert data_utils.locate_cifar10(out) == (out, "synthetic")
    assert data_utils.load_CIFAR10(out)[0].shape == (50, 32, 32, 3)
