"""<cputune>, <memtune>, <blkiotune>, <numatune>, <iothreadids> and <perf> become typed tuning and
are formatted back in libvirt's order."""

from __future__ import annotations

import pytest

from fakevirt.errors import VirtError
from fakevirt.xml.domain import format_domain_xml, parse_domain_xml

TUNED = """<domain type='qemu'><name>t</name><memory unit='MiB'>64</memory><vcpu>2</vcpu>
<iothreads>3</iothreads><iothreadids><iothread id='5' thread_pool_max='4'/></iothreadids>
<cputune><vcpusched vcpus='0' scheduler='fifo' priority='1'/><iothreadpin iothread='5' cpuset='1'/>
<emulatorpin cpuset='0-1'/><vcpupin vcpu='1' cpuset='0-3,^2'/><quota>0</quota><shares>300</shares></cputune>
<memtune><swap_hard_limit unit='MiB'>2</swap_hard_limit><hard_limit unit='MiB'>1</hard_limit></memtune>
<blkiotune><device><path>/dev/sda</path><read_iops_sec>5</read_iops_sec></device><weight>10</weight></blkiotune>
<numatune><memory mode='interleave' nodeset='0'/></numatune>
<perf><event name='cmt' enabled='no'/><event name='cpu_clock' enabled='yes'/></perf>
<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>"""


def test_tuning_is_typed_and_formatted_in_libvirts_order() -> None:
    d = parse_domain_xml(TUNED)
    t = d.tuning
    assert t.cputune.vcpupin == {1: frozenset({0, 1, 3})}
    assert t.cputune.sched == {"vcpu_quota": 0, "cpu_shares": 300}
    assert [(th.id, th.autofill, th.cpuset) for th in t.iothreads] == [
        (5, False, frozenset({1})), (1, True, None), (2, True, None)]
    assert t.memtune.hard_limit == 1024 and t.memtune.swap_hard_limit == 2048
    assert t.perf_enabled() == ["cpu_clock"]
    xml = format_domain_xml(d)
    expected = """  <blkiotune>
    <weight>10</weight>
    <device>
      <path>/dev/sda</path>
      <read_iops_sec>5</read_iops_sec>
    </device>
  </blkiotune>
  <memtune>
    <hard_limit unit='KiB'>1024</hard_limit>
    <swap_hard_limit unit='KiB'>2048</swap_hard_limit>
  </memtune>
  <vcpu>2</vcpu>
  <iothreads>3</iothreads>
  <iothreadids>
    <iothread id='5' thread_pool_max='4'/>
    <iothread id='1'/>
    <iothread id='2'/>
  </iothreadids>
  <cputune>
    <shares>300</shares>
    <vcpupin vcpu='1' cpuset='0-1,3'/>
    <emulatorpin cpuset='0-1'/>
    <iothreadpin iothread='5' cpuset='1'/>
    <vcpusched vcpus='0' scheduler='fifo' priority='1'/>
  </cputune>
  <numatune>
    <memory mode='interleave' nodeset='0'/>
  </numatune>
"""
    assert expected in xml
    assert "  <perf>\n    <event name='cmt' enabled='no'/>\n    <event name='cpu_clock' enabled='yes'/>\n  </perf>\n" in xml


@pytest.mark.parametrize(("fragment", "message"), [
    ("<cputune><vcpupin vcpu='0' cpuset='x'/></cputune>", "Failed to parse bitmap 'x'"),
    ("<cputune><iothreadpin iothread='9' cpuset='1'/></cputune>", "Cannot find 'iothread' : 9"),
    ("<perf><event name='bogus' enabled='yes'/></perf>", "Invalid perf event bogus"),
])
def test_bad_tuning_is_refused(fragment: str, message: str) -> None:
    with pytest.raises(VirtError) as e:
        parse_domain_xml(TUNED.replace("<os>", fragment + "<os>", 1).replace(
            TUNED[TUNED.index("<cputune>"):TUNED.index("</perf>") + 7], ""))
    assert message in str(e.value)
