"""Flags and enums of the guest-facing APIs: core dumps, PM suspend targets, key code sets."""

from __future__ import annotations

from enum import IntEnum, IntFlag


class DomainCoreDumpFlags(IntFlag):
    """virDomainCoreDumpFlags."""

    DUMP_CRASH = 1 << 0
    DUMP_LIVE = 1 << 1
    DUMP_BYPASS_CACHE = 1 << 2
    DUMP_RESET = 1 << 3
    DUMP_MEMORY_ONLY = 1 << 4


class DomainCoreDumpFormat(IntEnum):
    """virDomainCoreDumpFormat."""

    RAW = 0
    KDUMP_ZLIB = 1
    KDUMP_LZO = 2
    KDUMP_SNAPPY = 3
    WIN_DMP = 4


class NodeSuspendTarget(IntEnum):
    """virNodeSuspendTarget."""

    MEM = 0
    DISK = 1
    HYBRID = 2


class KeycodeSet(IntEnum):
    """virKeycodeSet, with the names libvirt's keymaps use."""

    LINUX = 0
    XT = 1
    ATSET1 = 2
    ATSET2 = 3
    ATSET3 = 4
    OSX = 5
    XT_KBD = 6
    USB = 7
    WIN32 = 8
    QNUM = 9


KEYCODE_SET_NAMES = {KeycodeSet.LINUX: "linux", KeycodeSet.XT: "xt", KeycodeSet.ATSET1: "atset1",
                     KeycodeSet.ATSET2: "atset2", KeycodeSet.ATSET3: "atset3", KeycodeSet.OSX: "osx",
                     KeycodeSet.XT_KBD: "xtkbd", KeycodeSet.USB: "usb", KeycodeSet.WIN32: "win32",
                     KeycodeSet.QNUM: "qnum"}
