"""Issue 19, the build's side: what ``--out`` may replace, full disks, unusable caches, worker
counts, the default site folder, and SIGTERM/SIGHUP handled as Ctrl-C is (nothing survives,
nothing is left behind)."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from sorabook import params
from sorabook.book import outdir, publish
from sorabook.book.publish import BuildError, OutError
from sorabook.cli import build as cli_build

from conftest import BIN, ROOT, run_cli, tree_snapshot


def _site(folder: Path, files: dict[str, str]) -> Path:
    """A site sorabook built (its marker lists ``files``) in ``folder``."""
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    outdir.write_marker(folder)
    return folder


def _html(folder: Path, files: dict[str, str]) -> Path:
    """A finished new site (as the build leaves it in its staging folder) in ``folder``."""
    return _site(folder, files)


@contextlib.contextmanager
def _tmpfs(path: Path, options: str):
    """A tmpfs mounted at ``path`` with ``options`` (skips the test where mounting is not allowed)."""
    path.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], capture_output=True)


# --- item 1: --out replaces only what the build wrote ------------------------------------------


def test_a_project_folder_with_build_json_is_refused_and_untouched(tmp_path):
    """attack: a project folder holding build.json, precious.txt and src/ was taken for a site and
    deleted whole (exit 0)."""
    proj = tmp_path / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "build.json").write_text("{}")
    (proj / "precious.txt").write_text("mine")
    (proj / "src" / "main.py").write_text("print(1)")
    before = tree_snapshot(proj)
    with pytest.raises(OutError, match=r"holds files but no sorabook site \(\.sorabook-site\)"):
        outdir.check_out(proj)
    with pytest.raises(BuildError, match="no sorabook site"):
        publish.publish(_html(tmp_path / "html", {"index.html": "new"}), proj)
    assert tree_snapshot(proj) == before
    assert (proj / "precious.txt").read_text() == "mine" and (proj / "src" / "main.py").is_file()
    assert not list(tmp_path.glob(".proj.*"))


def test_the_users_files_at_the_top_of_a_site_are_kept_and_the_builds_replaced(tmp_path):
    """attack: CNAME and a publishing .git added to a real site were deleted without a word."""
    out = _site(tmp_path / "site", {"index.html": "old", "_static/old.css": "x", "old-page.html": "gone"})
    (out / "CNAME").write_text("book.example.org\n")
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    html = _html(tmp_path / "html", {"index.html": "new", "_static/new.css": "y"})
    publish.publish(html, out)
    assert (out / "index.html").read_text() == "new"
    assert (out / "CNAME").read_text() == "book.example.org\n"
    assert (out / ".git" / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert not (out / "old-page.html").exists() and not (out / "_static" / "old.css").exists()
    assert outdir.owned_files(out) == {".sorabook-site", "index.html", "_static/new.css"}
    assert set(outdir.foreign_entries(out)) == {".git", "CNAME"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html", "site"]


def test_a_users_file_inside_a_folder_of_the_site_refuses_the_build(tmp_path):
    """attack: a file a user put inside a folder of the site was deleted with the old site."""
    out = _site(tmp_path / "site", {"index.html": "old", "_static/a.css": "x"})
    (out / "_static" / "mine.css").write_text("mine")
    before = tree_snapshot(out)
    with pytest.raises(OutError, match=r"holds '_static/mine.css', which sorabook did not write"):
        outdir.check_out(out)
    with pytest.raises(BuildError, match="mine.css"):
        publish.publish(_html(tmp_path / "html", {"index.html": "new"}), out)
    assert tree_snapshot(out) == before


def test_a_users_top_level_file_the_new_site_would_overwrite_is_refused(tmp_path):
    """attack: a user's file whose name the new site also writes would be silently replaced."""
    out = _site(tmp_path / "site", {"index.html": "old"})
    (out / "results.csv").write_text("mine")
    with pytest.raises(BuildError, match="'results.csv', which sorabook did not write and the new site"):
        publish.publish(_html(tmp_path / "html", {"index.html": "new", "results.csv": "a,b"}), out)
    assert (out / "results.csv").read_text() == "mine"


def test_symbolic_links_are_never_followed_when_a_site_is_replaced(tmp_path):
    """attack: symbolic links in the folder were followed, deleting what they point to."""
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "data.txt").write_text("keep me")
    out = _site(tmp_path / "site", {"index.html": "old", "_static/a.css": "x"})
    (out / "link").symlink_to(precious)  # at the top: the user's, kept as a link
    publish.publish(_html(tmp_path / "html", {"index.html": "new", "_static/a.css": "y"}), out)
    assert (out / "link").is_symlink() and (precious / "data.txt").read_text() == "keep me"
    (out / "_static" / "deep").symlink_to(precious)  # inside the site: refused, not followed
    with pytest.raises(BuildError, match="_static/deep"):
        publish.publish(_html(tmp_path / "html2", {"index.html": "newer"}), out)
    assert (precious / "data.txt").read_text() == "keep me"
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "to-precious").symlink_to(precious)  # no marker: refused
    with pytest.raises(OutError, match="no sorabook site"):
        outdir.check_out(bare)
    assert (precious / "data.txt").read_text() == "keep me"


def test_an_empty_or_new_folder_may_be_written(tmp_path):
    """What --out may always be: an empty folder, or one not there yet (under new folders)."""
    (tmp_path / "empty").mkdir()
    assert outdir.check_out(tmp_path / "empty") == (tmp_path / "empty").resolve()
    assert outdir.check_out(tmp_path / "new" / "site") == (tmp_path / "new" / "site").resolve()


# --- item 6: --out and the cache, one line and exit 2 ------------------------------------------


def _one_line_exit_2(proc, fragment: str) -> None:
    """The command refused its input: exit 2, one line on stderr holding ``fragment``, no traceback."""
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and fragment in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_out_a_symbolic_link_loop_is_one_line_exit_2(tmp_path):
    """attack: --out a symbolic link loop gave a traceback."""
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    proc = run_cli("build", "--out", "a", cwd=tmp_path, env={"SORABOOK_CACHE": str(tmp_path / "cache")})
    _one_line_exit_2(proc, "--out a: is a symbolic link loop")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def test_out_a_250_character_name_is_one_line_exit_2(tmp_path):
    """attack: a 250-character --out name failed with a traceback (the staging name is too long)."""
    proc = run_cli("build", "--out", "s" * 250, cwd=tmp_path, env={"SORABOOK_CACHE": str(tmp_path / "cache")})
    _one_line_exit_2(proc, "its name has 250 bytes; expected at most")
    assert list(tmp_path.iterdir()) == []


def test_out_inside_the_books_sources_is_one_line_exit_2(tmp_path):
    """attack: --out under book/ made the staging copy itself until the name was too long."""
    before = sorted(p.name for p in (ROOT / "book").iterdir())
    proc = run_cli("build", "--out", str(ROOT / "book" / "site"), cwd=tmp_path,
                   env={"SORABOOK_CACHE": str(tmp_path / "cache")})
    _one_line_exit_2(proc, "is inside the book's sources (book/)")
    assert sorted(p.name for p in (ROOT / "book").iterdir()) == before


def test_sorabook_cache_a_file_is_one_line_exit_2(tmp_path):
    """attack: SORABOOK_CACHE naming a file gave a traceback from build."""
    (tmp_path / "cache").write_text("not a folder")
    proc = run_cli("build", "--out", "site", cwd=tmp_path, env={"SORABOOK_CACHE": str(tmp_path / "cache")})
    _one_line_exit_2(proc, "is not a folder; expected a folder for the build cache")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


def test_sorabook_cache_read_only_is_one_line_exit_2(tmp_path):
    """attack: a read-only SORABOOK_CACHE gave a traceback from build."""
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as ro:
        proc = run_cli("build", "--out", "site", cwd=tmp_path, env={"SORABOOK_CACHE": str(ro / "cache")})
        _one_line_exit_2(proc, "cannot write in")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro"]


def _big_site(folder: Path, megabytes: int) -> Path:
    """A new site of ``megabytes`` MB of incompressible files."""
    folder.mkdir()
    (folder / "index.html").write_text("new")
    for i in range(megabytes * 4):
        (folder / f"page{i}.bin").write_bytes(os.urandom(256 * 1024))
    outdir.write_marker(folder)
    return folder


def test_a_full_disk_while_publishing_fails_in_one_line_and_leaves_no_partial_copy(tmp_path):
    """attack: a full disk while publishing gave a huge shutil traceback and left a partial copy."""
    html = _big_site(tmp_path / "html", 4)
    with _tmpfs(tmp_path / "disk", "size=2m") as disk:
        out = _site(disk / "site", {"index.html": "old"})
        before = tree_snapshot(out)
        with pytest.raises(BuildError) as info:
            publish.publish(html, out)
        message = str(info.value)
        assert "No space left on device" in message and "\n" not in message and len(message) < 300
        assert tree_snapshot(out) == before
        assert sorted(p.name for p in disk.iterdir()) == ["site"]


@pytest.mark.parametrize("stop", [OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), KeyboardInterrupt()],
                         ids=["disk-full", "ctrl-c"])
def test_a_failed_or_interrupted_copy_while_publishing_leaves_no_partial_copy(tmp_path, monkeypatch, stop):
    """attack: an error or a Ctrl-C while copying the new site beside the old one left a partial
    ``.NAME.new-PID``."""
    html = _html(tmp_path / "html", {f"p{i}.html": "x" for i in range(20)})
    out = _site(tmp_path / "site", {"index.html": "old"})
    copied = []
    real = shutil.copyfile

    def copyfile(src, dst, **kw):
        """Copy a few files, then stop as ``stop`` says."""
        if len(copied) > 5:
            raise stop
        copied.append(src)
        return real(src, dst, **kw)

    monkeypatch.setattr(shutil, "copyfile", copyfile)
    if isinstance(stop, OSError):
        with pytest.raises(BuildError, match="No space left on device; nothing was changed"):
            publish.publish(html, out)
    else:
        with pytest.raises(KeyboardInterrupt):
            publish.publish(html, out)
    assert (out / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html", "site"]


# --- item 3: nothing left behind by a failed or interrupted build ---------------------------------


@pytest.mark.parametrize("stop", [BuildError("a chapter failed"), KeyboardInterrupt()])
def test_a_failed_build_leaves_no_lock_no_new_parent_folders(tmp_path, monkeypatch, stop):
    """attack: a failed build left ``.NAME.lock`` and the parent folders it had created."""
    def fail(*args, **kwargs):
        """The plan fails (or the user presses Ctrl-C while it runs)."""
        raise stop

    monkeypatch.setattr(publish, "plan", fail)
    p, scenario = params.resolve()
    with pytest.raises(type(stop)):
        publish.build(p, scenario, tmp_path / "new" / "deeper" / "site", cache_dir=tmp_path / "cache", root=ROOT)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_lock_file_is_removed_after_the_build(tmp_path):
    """attack: ``.NAME.lock`` stayed beside the site after every build."""
    with publish.locked(tmp_path / "site"):
        assert (tmp_path / ".site.lock").exists()
    assert list(tmp_path.iterdir()) == []


def test_an_interruption_message_says_whether_the_site_was_replaced(capsys):
    """attack: after a Ctrl-C just after the swap, the message said the previous site was unchanged."""
    err = KeyboardInterrupt()
    err.site_replaced = True
    assert cli_build._interrupted(err, Path("/x/site")) == 130
    assert "WAS published to /x/site" in capsys.readouterr().err
    assert cli_build._interrupted(cli_build.Stopped(signal.SIGTERM), Path("/x/site")) == 143
    text = capsys.readouterr().err
    assert "stopped by SIGTERM" in text and "previous site, if any, is unchanged" in text


@pytest.mark.build
def test_an_interruption_just_after_the_swap_is_reported_as_replaced(tmp_path, default_build, monkeypatch):
    """attack: Ctrl-C just after the swap: the message said the previous site was unchanged."""
    real = publish.publish

    def publish_then_interrupted(html, out):
        """The swap completes, then Ctrl-C arrives."""
        real(html, out)
        raise KeyboardInterrupt

    monkeypatch.setattr(publish, "publish", publish_then_interrupted)
    cache = tmp_path / "cache"
    shutil.copytree(default_build.out.parent / "cache", cache)
    p, scenario = params.resolve()
    with pytest.raises(KeyboardInterrupt) as info:
        publish.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    assert info.value.site_replaced is True
    assert (tmp_path / "site" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "site"]


# --- item 9: workers and the default site folder ----------------------------------------------------


def test_never_more_workers_than_chapters_to_run_or_cpus():
    """attack: --jobs 64 started 64 workers for 8 chapters."""
    cpus = len(os.sched_getaffinity(0))
    assert publish.workers(64, 8) == min(8, cpus)
    assert publish.workers(64, 1) == 1
    assert publish.workers(1, 8) == 1
    assert publish.workers(4, 0) == 1


def test_a_build_with_jobs_64_asks_for_no_more_workers_than_chapters(tmp_path, monkeypatch):
    """attack: --jobs 64 started 64 workers (75 processes, 4.1 GB) for 8 chapters."""
    asked = []

    class Enough(Exception):
        """Stops the build once it has asked for its workers."""

    def worker_pool(n):
        """Record how many workers the build asks for."""
        asked.append(n)
        raise Enough

    monkeypatch.setattr(publish, "worker_pool", worker_pool)
    p, scenario = params.resolve()
    with pytest.raises(Enough):
        publish.build(p, scenario, tmp_path / "site", jobs=64, force=True, cache_dir=tmp_path / "cache", root=ROOT)
    from sorabook.results.registry import CHAPTERS

    assert asked and asked[0] <= min(len(CHAPTERS), len(os.sched_getaffinity(0)))


def test_the_default_site_folder_is_the_projects_wherever_the_command_runs(monkeypatch):
    """attack: ``sorabook build`` run from / wrote /_build/html while the cache stayed in the repository."""
    monkeypatch.chdir("/")
    monkeypatch.delenv("SORABOOK_ROOT", raising=False)
    assert cli_build._check_out(None) == ROOT / "_build" / "html"


# --- item 3: SIGTERM and SIGHUP ---------------------------------------------------------------


def _session_processes(sid: int) -> set[int]:
    """Every live process in session ``sid`` (read from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[4]) == sid and fields[0] not in ("Z", "X"):
                found.add(int(entry.name))
    return found


def _tagged_processes(tag: str) -> set[int]:
    """Every live process whose environment holds ``tag`` (the build's, in any session: kernels too)."""
    found = set()
    needle = tag.encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if needle in (entry / "environ").read_bytes():
                    state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state not in ("Z", "X"):
                        found.add(int(entry.name))
            except OSError:
                continue
    return found


def _describe(pids: set[int]) -> str:
    """Each process in ``pids``: its name, state, parent and command line (what a failure reports)."""
    lines = []
    for pid in sorted(pids):
        with contextlib.suppress(OSError):
            stat = (Path("/proc") / str(pid) / "stat").read_text()
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            cmd = (Path("/proc") / str(pid) / "cmdline").read_text(errors="replace").replace("\0", " ")
            lines.append(f"{pid} {stat.split('(', 1)[1].rsplit(')', 1)[0]} state={state} ppid={ppid}: {cmd[:200]}")
    return "survivors:\n" + "\n".join(lines)


def _kernel_running(tag: str) -> bool:
    """Whether a kernel of the tagged build runs."""
    for pid in _tagged_processes(tag):
        with contextlib.suppress(OSError):
            cmd = (Path("/proc") / str(pid) / "cmdline").read_text(errors="replace")
            comm = (Path("/proc") / str(pid) / "comm").read_text().strip()
            if "ipykernel" in cmd or comm == "sorabook-kernel":
                return True
    return False


@pytest.mark.build
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["SIGTERM", "SIGHUP", "ctrl-c"])
def test_sigterm_and_sighup_stop_the_build_and_leave_nothing(tmp_path, signum):
    """attack: ``kill PID`` on a build left the spawn workers and multiprocessing's resource tracker
    running, holding the caller's pipes (communicate() hung), and left ``.NAME.staging-*``, the
    IPC folders and kernel connection files (with the signing key), the lock and the new parent
    folders of --out behind; a Ctrl-C (SIGINT to the whole group) left the IPC folders."""
    tag = f"SORABOOK_TEST_TAG={os.getpid()}-{signum}-{time.time_ns()}"
    private_tmp = Path(tempfile.mkdtemp(prefix="sbt-", dir="/tmp"))  # short: IPC socket paths
    out = tmp_path / "new" / "site"
    env = {**os.environ, "SORABOOK_CACHE": str(tmp_path / "cache"), "TMPDIR": str(private_tmp),
           "JUPYTER_RUNTIME_DIR": str(private_tmp / "runtime"), tag.split("=")[0]: tag.split("=")[1]}
    try:
        proc = subprocess.Popen([str(BIN / "sorabook"), "build", "--force", "--jobs", "2", "--out", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, env=env, cwd=tmp_path)
        deadline = time.time() + 90
        while time.time() < deadline and not _kernel_running(tag) and proc.poll() is None:
            time.sleep(0.05)
        assert _kernel_running(tag), "no kernel started"
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signum)  # what Ctrl-C in a terminal does
        else:
            os.kill(proc.pid, signum)  # the build alone, as a supervisor or Popen.terminate() does
        stdout, stderr = proc.communicate(timeout=120)  # every holder of the pipes is gone
        assert proc.returncode == 128 + signum, stderr
        said = {signal.SIGTERM: "stopped by SIGTERM", signal.SIGHUP: "stopped by SIGHUP"}.get(signum, "interrupted")
        assert f"sorabook: {said};" in stderr and "unchanged" in stderr
        assert "Traceback" not in stderr and stderr.count("\n") == 1, stderr
        survivors = set()
        for _ in range(150):  # kernels notice their parent is gone within a second (30 s: a loaded machine)
            survivors = _session_processes(proc.pid) | _tagged_processes(tag)
            if not survivors:
                break
            time.sleep(0.2)
        assert survivors == set(), _describe(survivors)
        assert [p.name for p in tmp_path.iterdir() if p.name != "cache"] == []  # no new/, lock, staging
        assert [p.name for p in private_tmp.rglob("*")] == []  # no IPC folder, no connection file
    finally:  # a failing run leaves no orphan of its own either
        for pid in _session_processes(proc.pid) | _tagged_processes(tag):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(private_tmp, ignore_errors=True)
