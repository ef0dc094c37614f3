"""Each isolation claim of grading/isolation/sandbox.py, attacked once: the attack must fail."""

import os
import subprocess
import sys
import time

import pytest

from grading import tasks
from grading.child import wire
from grading.isolation import cgroups, sandbox


def attack(code, tmp_path, timeout=60, **options):
    """Run Python code in the sandbox, with tmp_path as its only writable folder."""
    return sandbox.run([sys.executable, "-c", code], timeout, writable=[tmp_path],
                       cwd=tmp_path, **options)


def test_no_network(tmp_path):
    status, output = attack("import socket\ntry:\n socket.create_connection(('1.1.1.1', 80), "
                            "timeout=3)\n print('connected')\nexcept OSError as e: print(e)",
                            tmp_path)
    assert status == 0 and "connected" not in output and "unreachable" in output


def test_proc_shows_only_the_sandbox(tmp_path):
    code = "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))"
    status, output = attack(code, tmp_path)
    pids = eval(output)
    assert status == 0 and max(pids) < 10, pids  # our own namespace: pids 1, 2, ...


def test_writes_outside_the_writable_folder_fail(tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    code = (f"import pathlib\nfor p in [{str(outside)!r}, {sys.prefix + '/pwned'!r}]:\n"
            " try:\n  pathlib.Path(p).write_text('x'); print('wrote', p)\n"
            " except OSError as e: print('refused')\n"
            "pathlib.Path('inside.txt').write_text('ok')")
    status, output = attack(code, tmp_path)
    # The sibling of tmp_path lies in the sandbox's private /tmp: written there, gone after.
    assert status == 0 and "refused" in output and "pwned" not in output, output
    assert not outside.exists() and (tmp_path / "inside.txt").read_text() == "ok"


def test_fork_bomb_is_capped_and_its_tree_killed(tmp_path):
    code = ("import os, time\nn = 0\nfor i in range(500):\n try:\n  if os.fork() == 0:\n"
            "   time.sleep(30); os._exit(0)\n  n += 1\n except OSError: break\nprint(n)")
    start = time.monotonic()
    status, output = attack(code, tmp_path)
    assert status == 0 and int(output) < tasks.LIMITS["processes"], output
    assert time.monotonic() - start < 20  # the sleeping children did not hold the run


def test_memory_is_capped(tmp_path):
    status, output = attack("b = bytearray(8 << 30)", tmp_path)
    assert status != 0 and "MemoryError" not in output  # stderr is not read; the run failed


def test_file_size_is_capped(tmp_path):
    code = ("import os\nf = open('big', 'wb')\ntry:\n"
            " for _ in range(400): f.write(b'0' * (1 << 20))\n"
            "except OSError as e: print('capped')")
    status, output = attack(code, tmp_path)
    assert (tmp_path / "big").stat().st_size <= tasks.LIMITS["file_size"]


def test_a_detached_child_dies_with_the_sandbox(tmp_path):
    code = ("import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', "
            "'import time, pathlib; time.sleep(3); pathlib.Path(\"late\").write_text(\"x\")'], "
            "start_new_session=True, stdout=subprocess.DEVNULL)\nprint('left')")
    status, output = attack(code, tmp_path)
    time.sleep(5)
    assert status == 0 and output.strip() == "left" and not (tmp_path / "late").exists()


def test_output_floods_are_read_capped(tmp_path):
    status, output = attack("import sys\nfor _ in range(64): sys.stdout.write('x' * (1 << 20))",
                            tmp_path, limit=1000)
    assert status == 0 and len(output) == 1000


def test_messages_refuse_pickles_objects_and_oversized_shapes(tmp_path):
    import io
    import os

    import numpy as np
    read_fd, write_fd = os.pipe()
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (1 << 40,)  # claims a terabyte, holds 8 bytes
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, header)
    bad = [stream.getvalue() + b"\0" * 8]
    message = b"".join(len(p).to_bytes(8, "big") + p for p in
                       [b'{"arrays": 1, "value": {"nd": 0}}', *bad])
    wire.write(write_fd, message)
    with pytest.raises(wire.WireError, match="at most"):
        wire.Reader(read_fd).read(time.monotonic() + 5)
    with pytest.raises(wire.WireError, match="numeric"):
        wire.encode(np.array([object()]), [], None)
    os.close(read_fd)
    os.close(write_fd)


def test_the_launcher_refuses_nothing_it_should_run(tmp_path):
    done = subprocess.run([sys.executable, "-c", "from grading.isolation import sandbox; "
                           "print(sandbox.level())"], capture_output=True, text=True)
    assert done.stdout.strip() == "bubblewrap"


needs_cgroups = pytest.mark.skipif(os.geteuid() != 0 or not cgroups.CGROUP.is_dir(),
                                   reason="pids cgroups are made only by a root grader")


@needs_cgroups
def test_sweep_removes_only_empty_cgroups_of_exited_makers():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid now names no process
    left = cgroups.CGROUP / f"grading-{gone.pid}-left"
    busy = cgroups.CGROUP / f"grading-{gone.pid}-busy"
    mine = cgroups.new_cgroup()
    for path in (left, left / "inner", busy):
        path.mkdir()
    sleeper = subprocess.Popen(["sh", "-c", 'echo $$ > "$0" && exec sleep 60',
                                str(busy / "cgroup.procs")])
    try:
        time.sleep(0.5)
        assert str(sleeper.pid) in (busy / "cgroup.procs").read_text()
        cgroups.sweep()
        assert not left.exists()  # empty, its maker gone: swept, inner cgroups too
        assert busy.exists() and mine.exists()  # a process in it; a live maker
    finally:
        cgroups.remove_cgroup(busy)
        cgroups.remove_cgroup(mine)
    assert sleeper.wait(5) == -9 and not busy.exists() and not mine.exists()


@pytest.mark.parametrize("sandboxed", [True, False])
def test_a_child_dies_with_the_process_that_started_it(tmp_path, sandboxed):
    # A grader killed outright (its watchdog's SIGKILL) cleans nothing up: its child,
    # in a session of its own and, as root, in a cgroup no one will empty, must die too.
    starter = ("import sys, time\nfrom grading.isolation import sandbox\n"
               f"child = sandbox.start([sys.executable, '-c', 'import time; time.sleep(600)'], "
               f"sandboxed={sandboxed})\n"
               "print(child.pid, flush=True)\ntime.sleep(600)\n")
    process = subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE,
                               text=True, cwd=tasks.BUNDLE)
    try:
        child = int(process.stdout.readline())
        assert os.path.exists(f"/proc/{child}")
    finally:
        process.kill()
        process.wait()
    for _ in range(300):  # a 30 s deadline; a child still there after it has outlived us
        if not os.path.exists(f"/proc/{child}") or "Z" in state(child):
            break
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{child}") or "Z" in state(child)
    cgroups.sweep()  # its empty cgroup, whose maker is gone


def state(pid):
    """The state letter of /proc/<pid>/stat ('Z' for a zombie), or '' once it is gone."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""
