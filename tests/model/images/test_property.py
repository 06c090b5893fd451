"""Random sequences of image operations against flat reference models (hypothesis).

Every valid image's guest view is mirrored as a plain bytearray; after each step, reading any
of them through its chain must equal its reference.  A commit into a deeper base makes the
images in between invalid on their own (qemu-img says so too), so they leave the reference.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from fakevirt.model.images import ImageError, ImageStore, Owner

SIZES = st.integers(1, 24).map(lambda n: n * 1536)  # multiples of 512, not of the cluster sizes
CLUSTERS = st.sampled_from([512, 1024, 4096])


def resized(view: bytearray, size: int) -> bytearray:
    return view[:size] + bytearray(max(0, size - len(view)))


class ChainMachine(RuleBasedStateMachine):
    """A growing chain whose top is written, committed, rebased, snapshotted and flattened."""

    def __init__(self) -> None:
        super().__init__()
        self.store = ImageStore()
        self.ref: dict[str, bytearray] = {}
        # snapshot name -> view of the top when taken; None once the backing chain changed
        self.snaps: dict[str, bytearray | None] = {}
        self.top = ""
        self.n = 0

    def _path(self) -> str:
        self.n += 1
        return f"/img/{self.n}.qcow2"

    @rule(size=SIZES, cs=CLUSTERS, raw=st.booleans())
    @precondition(lambda self: not self.top)
    def start(self, size: int, cs: int, raw: bool) -> None:
        self.top = self._path() if not raw else "/img/base.raw"
        self.store.create(self.top, "raw" if raw else "qcow2", size, cluster_size=cs)
        self.ref[self.top] = bytearray(size)

    def _chain(self) -> list[str]:
        return [i.path for i in self.store.chain(self.top)]

    @rule(data=st.data())
    @precondition(lambda self: self.top)
    def write(self, data: st.DataObject) -> None:
        size = len(self.ref[self.top])
        off = data.draw(st.integers(0, size - 1))
        n = data.draw(st.integers(1, min(3000, size - off)))
        if data.draw(st.booleans()):
            self.store.write_zeroes(self.top, off, n)
            buf = bytes(n)
        else:
            buf = data.draw(st.binary(min_size=n, max_size=n))
            self.store.write(self.top, off, buf)
        self.ref[self.top][off:off + n] = buf

    @rule(size=st.one_of(st.none(), SIZES), cs=CLUSTERS)
    @precondition(lambda self: self.top)
    def overlay(self, size: int | None, cs: int) -> None:
        new = self._path()
        self.store.create(new, "qcow2", size, self.top, self.store.open(self.top).format,
                          cluster_size=cs)
        self.ref[new] = resized(self.ref[self.top], size or len(self.ref[self.top]))
        self.top = new
        self.snaps.clear()

    @rule()
    @precondition(lambda self: self.top and self.store.open(self.top).backing)
    def commit(self) -> None:
        base = self._chain()[1]
        if self.store.is_shared(base, Owner.backing(self.top)):
            self._refused(lambda: self.store.commit(self.top))
            return
        self.store.commit(self.top)
        self._committed(base)
        assert not self.store.open(self.top).clusters

    def _committed(self, base: str) -> None:
        view = self.ref[self.top]
        if base in self.ref:
            self.ref[base] = view + self.ref[base][len(view):]
        self._backing_changed()

    @staticmethod
    def _refused(call: Callable[[], object]) -> None:
        try:
            call()
        except ImageError as e:
            assert e.reason == "in_use"
        else:
            raise AssertionError("an image others depend on was written")

    @rule(data=st.data())
    @precondition(lambda self: self.top and len(self._chain()) > 2)
    def commit_into_deeper_base(self, data: st.DataObject) -> None:
        chain = self._chain()
        depth = data.draw(st.integers(2, len(chain) - 1))
        if any(self.store.is_shared(chain[i], Owner.backing(chain[i - 1])) for i in range(1, depth + 1)):
            self._refused(lambda: self.store.commit(self.top, chain[depth]))
            return
        self.store.commit(self.top, chain[depth])
        self._committed(chain[depth])
        for mid in chain[1:depth]:
            self.ref.pop(mid, None)

    @rule(data=st.data())
    @precondition(lambda self: self.top)
    def rebase_safe(self, data: st.DataObject) -> None:
        candidates = [p for p in self.ref if p != self.top and self.top not in
                      [i.path for i in self.store.chain(p)]]
        target = data.draw(st.sampled_from([None, *candidates]))
        img = self.store.open(self.top)
        if img.format == "raw":
            return
        fmt = None if target is None else self.store.open(target).format
        self.store.rebase(self.top, target, fmt)
        self._backing_changed()

    @rule(name=st.sampled_from(["a", "b"]))
    @precondition(lambda self: self.top and self.store.open(self.top).format == "qcow2")
    def snapshot_create(self, name: str) -> None:
        self.store.snapshot_create(self.top, name)
        self.snaps.setdefault(name, bytearray(self.ref[self.top]))

    @rule(name=st.sampled_from(["a", "b"]))
    @precondition(lambda self: self.top and self.snaps)
    def snapshot_apply(self, name: str) -> None:
        view = self.snaps.get(name)
        if view is not None:
            self.store.snapshot_apply(self.top, name)
            self.ref[self.top] = bytearray(view)

    def _backing_changed(self) -> None:
        self.snaps = dict.fromkeys(self.snaps)

    @rule(fmt=st.sampled_from(["qcow2", "raw"]), cs=CLUSTERS)
    @precondition(lambda self: self.top)
    def flatten(self, fmt: str, cs: int) -> None:
        new = self._path().replace(".qcow2", f".{fmt}")
        self.store.convert(self.top, new, fmt, cluster_size=cs)
        assert self.store.compare(self.top, new) is None
        self.ref[new] = bytearray(self.ref[self.top])
        self.top = new
        self.snaps.clear()

    @rule(size=SIZES)
    @precondition(lambda self: self.top)
    def resize(self, size: int) -> None:
        self.store.resize(self.top, size, shrink=True)
        self.ref[self.top] = resized(self.ref[self.top], size)

    @rule(data=st.data())
    @precondition(lambda self: self.top and len(self._chain()) > 1)
    def writing_below_the_top_is_refused(self, data: st.DataObject) -> None:
        below = data.draw(st.sampled_from(self._chain()[1:]))
        self._refused(lambda: self.store.write(below, 0, b"x"))

    @invariant()
    def views_match(self) -> None:
        for path, view in self.ref.items():
            assert self.store.read(path, 0, len(view)) == bytes(view), path
            assert self.store.open(path).virtual_size == len(view)


ChainMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None,
                                          suppress_health_check=[HealthCheck.too_slow])
TestChains = ChainMachine.TestCase
